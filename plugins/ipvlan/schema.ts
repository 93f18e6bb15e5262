// JSON types of the ipvlan config (compiled to a standalone validator at build time by
// build/gen.mjs): what the reference's json.Unmarshal refuses, plus `flags` (ours), the
// mode and flag lists and the MTU's floor (its ceiling is the master's, checked against
// the kernel). Unknown keys are allowed.
import type { JSONSchemaType } from 'ajv';
import { type CommonRaw, type Opt, commonProperties, enumSchema, optBool, optStr } from '../../lib/cni/schema-parts';
import type { IpvlanFlag, IpvlanMode } from '../../lib/netlink';

export const modes: readonly IpvlanMode[] = ['l2', 'l3', 'l3s'];
export const flags: readonly IpvlanFlag[] = ['bridge', 'private', 'vepa'];

export interface Raw extends CommonRaw {
  master?: Opt<string>;
  mode?: Opt<'' | IpvlanMode>;
  flags?: Opt<'' | IpvlanFlag>;
  mtu?: Opt<number>;
  linkInContainer?: Opt<boolean>;
}

export const schema: JSONSchemaType<Raw> = {
  type: 'object',
  required: [],
  properties: {
    ...commonProperties,
    master: optStr, mode: enumSchema(modes, 'ipvlan mode'), flags: enumSchema(flags, 'ipvlan flag'),
    mtu: { type: 'integer', nullable: true, minimum: 0, errorMessage: 'invalid MTU {value}, must be [0, master MTU]' },
    linkInContainer: optBool,
  },
};
