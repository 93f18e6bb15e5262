// JSON types of the bridge config (compiled to a standalone validator at build time).
// Unknown keys are allowed everywhere, as Go's decoder ignores them.
const bool = { type: 'boolean' } as const;
const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;

export const bridgeSchema = {
  type: 'object',
  properties: {
    name: str, cniVersion: str, type: str,
    bridge: str, isGateway: bool, isDefaultGateway: bool, forceAddress: bool,
    ipMasq: bool, ipMasqBackend: str, mtu: int, hairpinMode: bool, promiscMode: bool,
    vlan: int, preserveDefaultVlan: bool, enabledad: bool, macspoofchk: bool,
    disableContainerInterface: bool, portIsolation: bool,
    vlanTrunk: {
      type: 'array',
      items: { type: 'object', properties: { id: int, minID: int, maxID: int } },
    },
    ipam: { type: 'object', properties: { type: str } },
    dns: {
      type: 'object',
      properties: { nameservers: { type: 'array', items: str }, domain: str, search: { type: 'array', items: str }, options: { type: 'array', items: str } },
    },
    args: { type: 'object', properties: { cni: { type: 'object', properties: { mac: str } } } },
    runtimeConfig: { type: 'object', properties: { mac: str } },
    prevResult: { type: 'object' },
  },
} as const;
