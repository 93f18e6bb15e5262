// JSON schema pieces shared by the plugins' config schemas (spec keys every plugin reads).
export const str = { type: 'string' } as const;
export const bool = { type: 'boolean' } as const;
export const int = { type: 'integer' } as const;

/** The well-known `dns` key (SPEC.md "Network configuration"). */
export const dnsSchema = {
  type: 'object',
  properties: { nameservers: { type: 'array', items: str }, domain: str, search: { type: 'array', items: str }, options: { type: 'array', items: str } },
} as const;

/** `ipam`: only its type matters to the main plugin; the rest is the IPAM plugin's. */
export const ipamRefSchema = { type: 'object', properties: { type: str } } as const;
