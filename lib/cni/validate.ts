import validators from '../generated/validators.cjs';
import type { AjvError } from '../generated/validators.cjs';
import type { SchemaName } from './schemas';
import { CniError, Code } from './errors';

/** Validates data against a build-time compiled schema; the error names the offending field. */
export function validate<T>(name: SchemaName, data: unknown): T {
  const check = validators[name];
  if (check(data)) return data as T;
  const first = check.errors?.[0];
  throw new CniError(Code.InvalidNetworkConfig, 'invalid network configuration', first ? describe(first) : name);
}

/** "/ipam/ranges/0/1/subnet" -> "ipam.ranges[0][1].subnet" */
export function fieldName(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}

function describe(e: AjvError): string {
  let field = fieldName(e.instancePath);
  if (e.keyword === 'required' && typeof e.params['missingProperty'] === 'string') {
    field = field ? `${field}.${e.params['missingProperty']}` : e.params['missingProperty'];
    return `${field} is required`;
  }
  return `${field || 'config'} ${e.message ?? 'is invalid'}`;
}
