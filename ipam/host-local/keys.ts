// Go's encoding/json matches object keys to struct fields case-insensitively
// ("IPAM", "Subnet", "rangestart" all work with the reference). This folds the
// keys host-local knows to their canonical spelling before schema validation;
// unknown keys are kept as they are. With several spellings, the last wins.

type Shape = { obj: Record<string, Shape | null> } | { arr: Shape };

const range: Shape = { obj: { subnet: null, rangeStart: null, rangeEnd: null, gateway: null } };
const rangeSets: Shape = { arr: { arr: range } };
const route: Shape = { obj: { dst: null, gw: null, mtu: null, advmss: null, priority: null, table: null, scope: null } };
const attachments: Shape = { arr: { obj: { containerID: null, ifname: null } } };

const conf: Shape = {
  obj: {
    ipam: {
      obj: {
        type: null,
        name: null,
        ranges: rangeSets,
        subnet: null,
        rangeStart: null,
        rangeEnd: null,
        gateway: null,
        routes: { arr: route },
        dataDir: null,
        resolvConf: null,
      },
    },
    runtimeConfig: { obj: { ips: null, ipRanges: rangeSets } },
    args: { obj: { cni: { obj: { ips: null } } } },
    'cni.dev/valid-attachments': attachments,
    'cni.dev/attachments': attachments,
  },
};

function fold(value: unknown, shape: Shape): unknown {
  if ('arr' in shape) return Array.isArray(value) ? value.map((v) => fold(v, shape.arr)) : value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const known = Object.keys(shape.obj);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const canon = known.includes(key) ? key : known.find((k) => k.toLowerCase() === key.toLowerCase());
    const sub = canon === undefined ? null : shape.obj[canon];
    // defineProperty: a "__proto__" key from JSON.parse stays a plain key
    Object.defineProperty(out, canon ?? key, { value: sub ? fold(v, sub) : v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A copy of the config with the known keys (below the top-level name/cniVersion) in canonical case. */
export function foldKeys(config: Record<string, unknown>): Record<string, unknown> {
  return fold(config, conf) as Record<string, unknown>;
}
