// JSON schema (ajv draft-07, strict) of the network configuration host-local
// receives. Types only: Go's encoding/json ignores unknown keys (so do we,
// additionalProperties stays open) and treats null as "absent" for optional
// values. CIDR/IP syntax, ranges and overlaps are checked in ./config.ts, which
// also folds key case (Go matches keys case-insensitively) before validating.

const str = { type: 'string' } as const;
const optStr = { type: ['string', 'null'] } as const;
const optInt = { type: ['integer', 'null'] } as const;

const ipList = { type: ['array', 'null'], items: str } as const;

const range = {
  type: 'object',
  required: ['subnet'],
  properties: {
    subnet: str,
    rangeStart: optStr,
    rangeEnd: optStr,
    gateway: optStr,
  },
} as const;

/** [[Range, ...], ...]: a list of range sets */
const rangeSets = {
  type: ['array', 'null'],
  items: { type: 'array', items: range },
} as const;

const route = {
  type: 'object',
  required: ['dst'],
  properties: {
    dst: str,
    gw: optStr,
    mtu: optInt,
    advmss: optInt,
    priority: optInt,
    table: optInt,
    scope: optInt,
  },
} as const;

const attachments = {
  type: ['array', 'null'],
  items: {
    type: 'object',
    properties: { containerID: optStr, ifname: optStr },
  },
} as const;

export const hostLocalSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['name', 'ipam'],
  properties: {
    name: str,
    cniVersion: optStr,
    ipam: {
      type: 'object',
      properties: {
        type: optStr,
        name: optStr,
        ranges: rangeSets,
        // legacy single range (prepended as range set 0 when subnet is set)
        subnet: optStr,
        rangeStart: optStr,
        rangeEnd: optStr,
        gateway: optStr,
        routes: { type: ['array', 'null'], items: route },
        dataDir: optStr,
        resolvConf: optStr,
      },
    },
    runtimeConfig: {
      type: ['object', 'null'],
      properties: {
        ips: ipList,
        ipRanges: rangeSets,
      },
    },
    args: {
      type: ['object', 'null'],
      properties: {
        cni: {
          type: ['object', 'null'],
          properties: { ips: ipList },
        },
      },
    },
    // GC (spec 1.1.0); libcni also sends the misspelt older key
    'cni.dev/valid-attachments': attachments,
    'cni.dev/attachments': attachments,
  },
} as const;
