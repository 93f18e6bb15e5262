// JSON types of the macvlan config (compiled to a standalone validator at build time by
// build/gen.mjs): what the reference's json.Unmarshal refuses, so DEL and STATUS, which
// check no more than this, reject what the reference rejects; plus the mode list and the
// MTU's floor (its ceiling is the master's, checked against the kernel). Unknown keys are allowed.
import type { JSONSchemaType } from 'ajv';
import { type CommonRaw, type MacRaw, type Opt, commonProperties, enumSchema, macProperties, optBool, optStr } from '../../lib/cni/schema-parts';
import type { MacvlanMode } from '../../lib/netlink';

export const modes: readonly MacvlanMode[] = ['bridge', 'private', 'vepa', 'passthru'];

export interface Raw extends CommonRaw, MacRaw {
  master?: Opt<string>;
  mode?: Opt<'' | MacvlanMode>;
  mtu?: Opt<number>;
  mac?: Opt<string>;
  linkInContainer?: Opt<boolean>;
  bcqueuelen?: Opt<number>;
}

export const schema: JSONSchemaType<Raw> = {
  type: 'object',
  required: [],
  properties: {
    ...commonProperties,
    ...macProperties,
    master: optStr, mode: enumSchema(modes, 'macvlan mode'),
    mtu: { type: 'integer', nullable: true, minimum: 0, errorMessage: 'invalid MTU {value}, must be [0, master MTU]' },
    mac: optStr, linkInContainer: optBool,
    // uint32 in the reference
    bcqueuelen: { type: 'integer', nullable: true, minimum: 0, maximum: 4294967295 },
  },
};
