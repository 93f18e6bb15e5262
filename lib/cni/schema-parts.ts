// JSON schema pieces of the keys every plugin reads the same way (SPEC.md "Network
// configuration"), typed with ajv's JSONSchemaType so a schema and its TypeScript type
// cannot drift. Optional keys are `nullable`: Go's encoding/json takes null as absent.
// `errorMessage` (an annotation build/gen.mjs registers) is the text validate() prints
// after the field name when that subschema fails: {value} and {json} stand for the value,
// {length} for a list's length.
import type { JSONSchemaType } from 'ajv';
import type { DNS } from './types/current';

export type Opt<T> = T | null | undefined;

export const optStr = { type: 'string', nullable: true } as const;
export const optBool = { type: 'boolean', nullable: true } as const;
export const optInt = { type: 'integer', nullable: true } as const;
const strList = { type: 'array', items: { type: 'string' }, nullable: true } as const;

/** `mtu`: an interface MTU (0 = inherit). */
export const mtuSchema = { type: 'integer', nullable: true, minimum: 0, maximum: 65535, errorMessage: 'invalid MTU {value}' } as const;

/** A string from a fixed list ('' = the plugin's default). */
export function enumSchema<T extends string>(values: readonly T[], what: string) {
  return { type: 'string', nullable: true, enum: ['', null, ...values], errorMessage: `unknown ${what} {json} (one of ${values.join(', ')})` } as const;
}

/** The well-known `dns` key. */
export const dnsSchema: JSONSchemaType<DNS> & { nullable: true } = {
  type: 'object', nullable: true, required: [],
  properties: { nameservers: strList, domain: optStr, search: strList, options: strList },
};

export interface CommonRaw {
  name?: Opt<string>;
  cniVersion?: Opt<string>;
  type?: Opt<string>;
  /** only its type matters to the main plugin; the rest is the IPAM plugin's */
  ipam?: Opt<{ type?: Opt<string> }>;
  dns?: Opt<DNS>;
  prevResult?: Opt<Record<string, unknown>>;
}

export interface MacRaw {
  args?: Opt<{ cni?: Opt<{ mac?: Opt<string> }> }>;
  runtimeConfig?: Opt<{ mac?: Opt<string> }>;
}

/** properties of CommonRaw, to spread into a plugin's schema */
export const commonProperties = {
  name: optStr, cniVersion: optStr, type: optStr,
  ipam: { type: 'object', nullable: true, required: [], properties: { type: optStr } },
  dns: dnsSchema,
  prevResult: { type: 'object', nullable: true, required: [] },
} as const;

/** properties of MacRaw (the `mac` capability and args.cni.mac) */
export const macProperties = {
  args: { type: 'object', nullable: true, required: [], properties: { cni: { type: 'object', nullable: true, required: [], properties: { mac: optStr } } } },
  runtimeConfig: { type: 'object', nullable: true, required: [], properties: { mac: optStr } },
} as const;
