// The boundary between a plugin's build-time compiled schema (build/gen.mjs writes
// <plugin>/generated/validate.cjs from <plugin>/schema.ts) and its typed config.
import { CniError, Code } from './errors';

export interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** the failing subschema's parent (ajv's `verbose`): where `errorMessage` is */
  parentSchema?: { errorMessage?: string; nullable?: boolean };
  data?: unknown;
}

/** A standalone ajv validator of T: a type guard that leaves its first error in `errors`. */
export type Validator<T> = ((data: unknown) => data is T) & { errors?: AjvError[] | null };

/** Validates data with a build-time compiled schema; the error (code 7) names the offending field. */
export function validate<T>(check: Validator<T>, data: unknown): T {
  if (check(data)) return data;
  const first = check.errors?.[0];
  throw new CniError(Code.InvalidNetworkConfig, 'invalid network configuration', first ? describe(first) : 'config');
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
  // a value of the right JSON type outside its range or list: the key's own words
  const text = e.keyword !== 'type' ? e.parentSchema?.errorMessage : undefined;
  if (text) return `${field}: ${text.replace(/\{(value|json|length)\}/g, (_, k: string) => placeholder(k, e.data))}`;
  // a nullable key takes null too (Go's "absent"): say so, as a ['T', 'null'] type would
  const orNull = e.keyword === 'type' && e.parentSchema?.nullable ? ',null' : '';
  return `${field || 'config'} ${e.message ?? 'is invalid'}${orNull}`;
}

/** {value} and {json}: the value; {length}: a list's length (printing a list over its size limit would be the problem itself). */
function placeholder(key: string, data: unknown): string {
  if (key === 'length') return Array.isArray(data) ? String(data.length) : '';
  return key === 'json' ? JSON.stringify(data) : String(data);
}
