// JSON types of the portmap config (compiled to a standalone validator at build time by
// build/gen.mjs), with the ranges and enums of its keys. Unknown keys are allowed
// everywhere, as Go's decoder ignores them. Protocols, ports and host IPs are checked
// here (the reference leaves them to iptables, which fails half-way through an ADD).
import type { JSONSchemaType } from 'ajv';
import { type CommonRaw, type Opt, commonProperties, enumSchema, optBool, optStr } from '../../lib/cni/schema-parts';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol?: Opt<string>;
  hostIP?: Opt<string>;
}

export interface Raw extends CommonRaw {
  backend?: Opt<'' | 'iptables' | 'nftables'>;
  snat?: Opt<boolean>;
  conditionsV4?: Opt<string[]>;
  conditionsV6?: Opt<string[]>;
  masqAll?: Opt<boolean>;
  markMasqBit?: Opt<number>;
  externalSetMarkChain?: Opt<string>;
  runtimeConfig?: Opt<{ portMappings?: Opt<PortMapping[]> }>;
}

const port = (what: string) =>
  ({ type: 'integer', minimum: 1, maximum: 65535, errorMessage: `invalid ${what} port number {value} (must be between 1 and 65535)` }) as const;
const strList = { type: 'array', nullable: true, items: { type: 'string' } } as const;

export const schema: JSONSchemaType<Raw> = {
  type: 'object',
  required: [],
  properties: {
    ...commonProperties,
    backend: enumSchema(['iptables', 'nftables'] as const, 'backend'),
    snat: optBool,
    conditionsV4: strList,
    conditionsV6: strList,
    masqAll: optBool,
    markMasqBit: { type: 'integer', nullable: true, minimum: 0, maximum: 31, errorMessage: 'invalid markMasqBit {value} (must be between 0 and 31)' },
    externalSetMarkChain: optStr,
    runtimeConfig: {
      type: 'object', nullable: true, required: [],
      properties: {
        portMappings: {
          type: 'array', nullable: true,
          items: {
            type: 'object', required: ['hostPort', 'containerPort'],
            properties: {
              hostPort: port('host'),
              containerPort: port('container'),
              protocol: { type: 'string', nullable: true, pattern: '^([tT][cC][pP]|[uU][dD][pP]|[sS][cC][tT][pP])$',
                errorMessage: 'unknown protocol {json} (one of tcp, udp, sctp)' },
              hostIP: optStr,
            },
          },
        },
      },
    },
  },
};
