// JSON types of the macvlan config (compiled to a standalone validator at build time):
// exactly what the reference's json.Unmarshal refuses, so DEL and STATUS, which check no
// more than this, reject what the reference rejects. Unknown keys are allowed.
import { dnsSchema, ipamRefSchema, str } from '../../lib/cni/schema-parts';

export const macvlanSchema = {
  type: 'object',
  properties: {
    name: str, cniVersion: str, type: str,
    master: str, mode: str, mtu: { type: 'integer' }, mac: str, linkInContainer: { type: 'boolean' },
    ipam: ipamRefSchema,
    dns: dnsSchema,
    args: { type: 'object', properties: { cni: { type: 'object', properties: { mac: str } } } },
    runtimeConfig: { type: 'object', properties: { mac: str } },
    prevResult: { type: 'object' },
    // uint32 in the reference
    bcqueuelen: { type: 'integer', minimum: 0, maximum: 4294967295 },
  },
} as const;
