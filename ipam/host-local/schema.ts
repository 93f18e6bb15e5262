// JSON schema (ajv draft-07, strict) of the network configuration host-local receives,
// typed with ajv's JSONSchemaType so the schema and Raw cannot drift. Types only: Go's
// encoding/json ignores unknown keys (so do we, additionalProperties stays open) and
// treats null as "absent" for optional values. CIDR/IP syntax, ranges and overlaps are
// checked in ./config.ts, which also folds key case (Go matches keys case-insensitively)
// before validating.
import type { JSONSchemaType } from 'ajv';
import { type Opt, optInt, optStr } from '../../lib/cni/schema-parts';
import { limits } from './limits';

export interface RawRange {
  subnet: string;
  rangeStart?: Opt<string>;
  rangeEnd?: Opt<string>;
  gateway?: Opt<string>;
}

export interface RawRoute {
  dst: string;
  gw?: Opt<string>;
  mtu?: Opt<number>;
  advmss?: Opt<number>;
  priority?: Opt<number>;
  table?: Opt<number>;
  scope?: Opt<number>;
}

type RawAttachments = Opt<{ containerID?: Opt<string>; ifname?: Opt<string> }[]>;

export interface Raw {
  name: string;
  cniVersion?: Opt<string>;
  ipam: {
    type?: Opt<string>;
    name?: Opt<string>;
    ranges?: Opt<RawRange[][]>;
    subnet?: Opt<string>;
    rangeStart?: Opt<string>;
    rangeEnd?: Opt<string>;
    gateway?: Opt<string>;
    routes?: Opt<RawRoute[]>;
    dataDir?: Opt<string>;
    resolvConf?: Opt<string>;
  };
  runtimeConfig?: Opt<{ ips?: Opt<string[]>; ipRanges?: Opt<RawRange[][]> }>;
  args?: Opt<{ cni?: Opt<{ ips?: Opt<string[]> }> }>;
  'cni.dev/valid-attachments'?: RawAttachments;
  'cni.dev/attachments'?: RawAttachments;
}

const str = { type: 'string' } as const;
const ipList = {
  type: 'array', nullable: true, items: str,
  maxItems: limits.requestedIPs, errorMessage: `{length} requested addresses, more than the limit of ${limits.requestedIPs}`,
} as const;

const range = {
  type: 'object',
  required: ['subnet'],
  properties: { subnet: str, rangeStart: optStr, rangeEnd: optStr, gateway: optStr },
} as const;

/** [[Range, ...], ...]: a list of range sets */
const rangeSets = {
  type: 'array', nullable: true,
  maxItems: limits.rangeSets, errorMessage: `{length} range sets, more than the limit of ${limits.rangeSets}`,
  items: {
    type: 'array', items: range,
    maxItems: limits.rangesPerSet, errorMessage: `{length} ranges in one range set, more than the limit of ${limits.rangesPerSet}`,
  },
} as const;

const route = {
  type: 'object',
  required: ['dst'],
  properties: { dst: str, gw: optStr, mtu: optInt, advmss: optInt, priority: optInt, table: optInt, scope: optInt },
} as const;

const attachments = {
  type: 'array', nullable: true,
  items: { type: 'object', required: [], properties: { containerID: optStr, ifname: optStr } },
} as const;

export const schema: JSONSchemaType<Raw> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'ipam'],
  properties: {
    name: str,
    cniVersion: optStr,
    ipam: {
      type: 'object',
      required: [],
      properties: {
        type: optStr,
        name: optStr,
        ranges: rangeSets,
        // legacy single range (prepended as range set 0 when subnet is set)
        subnet: optStr,
        rangeStart: optStr,
        rangeEnd: optStr,
        gateway: optStr,
        routes: {
          type: 'array', nullable: true, items: route,
          maxItems: limits.routes, errorMessage: `{length} routes, more than the limit of ${limits.routes}`,
        },
        dataDir: optStr,
        resolvConf: optStr,
      },
    },
    runtimeConfig: { type: 'object', nullable: true, required: [], properties: { ips: ipList, ipRanges: rangeSets } },
    args: { type: 'object', nullable: true, required: [], properties: { cni: { type: 'object', nullable: true, required: [], properties: { ips: ipList } } } },
    // GC (spec 1.1.0); libcni also sends the misspelt older key
    'cni.dev/valid-attachments': attachments,
    'cni.dev/attachments': attachments,
  },
};
