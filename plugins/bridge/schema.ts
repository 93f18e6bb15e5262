// JSON types of the bridge config (compiled to a standalone validator at build time by
// build/gen.mjs), with the ranges and enums of its keys. Unknown keys are allowed
// everywhere, as Go's decoder ignores them.
import type { JSONSchemaType } from 'ajv';
import { type CommonRaw, type MacRaw, type Opt, commonProperties, enumSchema, macProperties, mtuSchema, optBool, optInt, optStr } from '../../lib/cni/schema-parts';

export interface TrunkEntry { id?: Opt<number>; minID?: Opt<number>; maxID?: Opt<number> }

export interface Raw extends CommonRaw, MacRaw {
  bridge?: Opt<string>;
  isGateway?: Opt<boolean>;
  isDefaultGateway?: Opt<boolean>;
  forceAddress?: Opt<boolean>;
  ipMasq?: Opt<boolean>;
  ipMasqBackend?: Opt<'' | 'iptables' | 'nftables'>;
  mtu?: Opt<number>;
  hairpinMode?: Opt<boolean>;
  promiscMode?: Opt<boolean>;
  vlan?: Opt<number>;
  vlanTrunk?: Opt<TrunkEntry[]>;
  preserveDefaultVlan?: Opt<boolean>;
  enabledad?: Opt<boolean>;
  macspoofchk?: Opt<boolean>;
  disableContainerInterface?: Opt<boolean>;
  portIsolation?: Opt<boolean>;
}

export const schema: JSONSchemaType<Raw> = {
  type: 'object',
  required: [],
  properties: {
    ...commonProperties,
    ...macProperties,
    bridge: optStr, isGateway: optBool, isDefaultGateway: optBool, forceAddress: optBool,
    ipMasq: optBool, ipMasqBackend: enumSchema(['iptables', 'nftables'] as const, 'ipmasq backend'),
    mtu: mtuSchema, hairpinMode: optBool, promiscMode: optBool,
    vlan: { type: 'integer', nullable: true, minimum: 0, maximum: 4094, errorMessage: 'invalid VLAN ID {value} (must be between 0 and 4094)' },
    preserveDefaultVlan: optBool, enabledad: optBool, macspoofchk: optBool,
    disableContainerInterface: optBool, portIsolation: optBool,
    vlanTrunk: {
      type: 'array', nullable: true,
      items: { type: 'object', required: [], properties: { id: optInt, minID: optInt, maxID: optInt } },
    },
  },
};
