// JSON types of the firewall config (compiled to a standalone validator at build time by
// build/gen.mjs), with the backend and ingress policy lists. Unknown keys are allowed.
import type { JSONSchemaType } from 'ajv';
import { type CommonRaw, type Opt, commonProperties, enumSchema, optStr } from '../../lib/cni/schema-parts';

export const backends = ['iptables', 'firewalld'] as const;
export const policies = ['open', 'same-bridge', 'isolated'] as const;

export interface Raw extends CommonRaw {
  backend?: Opt<'' | (typeof backends)[number]>;
  iptablesAdminChainName?: Opt<string>;
  firewalldZone?: Opt<string>;
  ingressPolicy?: Opt<'' | (typeof policies)[number]>;
}

export const schema: JSONSchemaType<Raw> = {
  type: 'object',
  required: [],
  properties: {
    ...commonProperties,
    backend: enumSchema(backends, 'firewall backend'),
    iptablesAdminChainName: optStr,
    firewalldZone: optStr,
    ingressPolicy: enumSchema(policies, 'ingress policy'),
  },
};
