// JSON types of the tuning config (compiled to a standalone validator at build time by
// build/gen.mjs): what the reference's json.Unmarshal refuses, plus the floors of mtu and
// txQLen (their ceilings are the link's, checked against the kernel). Unknown keys are allowed.
import type { JSONSchemaType } from 'ajv';
import { type CommonRaw, type Opt, commonProperties, optBool, optStr } from '../../lib/cni/schema-parts';

/** The keys that args.cni may override (the reference's IPAMArgs). */
export interface Overridable {
  sysctl?: Opt<Record<string, string>>;
  mac?: Opt<string>;
  promisc?: Opt<boolean>;
  mtu?: Opt<number>;
  allmulti?: Opt<boolean>;
  txQLen?: Opt<number>;
}

export interface Raw extends CommonRaw, Overridable {
  dataDir?: Opt<string>;
  runtimeConfig?: Opt<{ mac?: Opt<string> }>;
  args?: Opt<{ cni?: Opt<Overridable> }>;
}

const sysctlSchema = { type: 'object', nullable: true, required: [], additionalProperties: { type: 'string' } } as const;
const mtuSchema = { type: 'integer', nullable: true, minimum: 0, errorMessage: 'invalid MTU {value}' } as const;
const txQLenSchema = { type: 'integer', nullable: true, minimum: 0, maximum: 0xffff_ffff, errorMessage: 'invalid transmit queue length {value}' } as const;

const overridable = { sysctl: sysctlSchema, mac: optStr, promisc: optBool, mtu: mtuSchema, allmulti: optBool, txQLen: txQLenSchema } as const;

export const schema: JSONSchemaType<Raw> = {
  type: 'object',
  required: [],
  properties: {
    ...commonProperties,
    ...overridable,
    dataDir: optStr,
    runtimeConfig: { type: 'object', nullable: true, required: [], properties: { mac: optStr } },
    args: { type: 'object', nullable: true, required: [], properties: { cni: { type: 'object', nullable: true, required: [], properties: overridable } } },
  },
};
