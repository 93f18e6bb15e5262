// JSON types of the ipvlan config (compiled to a standalone validator at build time):
// what the reference's json.Unmarshal refuses, plus `flags` (ours). Unknown keys are allowed.
import { dnsSchema, ipamRefSchema, str } from '../../lib/cni/schema-parts';

export const ipvlanSchema = {
  type: 'object',
  properties: {
    name: str, cniVersion: str, type: str,
    master: str, mode: str, mtu: { type: 'integer' }, linkInContainer: { type: 'boolean' },
    ipam: ipamRefSchema,
    dns: dnsSchema,
    prevResult: { type: 'object' },
    flags: str,
  },
} as const;
