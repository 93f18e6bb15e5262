// JSON types of the bridge config (compiled to a standalone validator at build time).
// Unknown keys are allowed everywhere, as Go's decoder ignores them.
import { bool, dnsSchema, int, ipamRefSchema, str } from '../../lib/cni/schema-parts';

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
    ipam: ipamRefSchema,
    dns: dnsSchema,
    args: { type: 'object', properties: { cni: { type: 'object', properties: { mac: str } } } },
    runtimeConfig: { type: 'object', properties: { mac: str } },
    prevResult: { type: 'object' },
  },
} as const;
