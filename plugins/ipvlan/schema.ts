// JSON types of the ipvlan config (compiled to a standalone validator at build time):
// what the reference's json.Unmarshal refuses, plus `flags` (ours). Unknown keys are allowed.
const str = { type: 'string' } as const;

export const ipvlanSchema = {
  type: 'object',
  properties: {
    name: str, cniVersion: str, type: str,
    master: str, mode: str, mtu: { type: 'integer' }, linkInContainer: { type: 'boolean' },
    ipam: { type: 'object', properties: { type: str } },
    dns: {
      type: 'object',
      properties: { nameservers: { type: 'array', items: str }, domain: str, search: { type: 'array', items: str }, options: { type: 'array', items: str } },
    },
    prevResult: { type: 'object' },
    flags: str,
  },
} as const;
