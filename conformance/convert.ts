// Spec versions and the runtime side of result conversion (what libcni does to a cached
// result before handing it to plugins as prevResult in the list's version). Self-contained:
// the runner must not share code with the plugins it judges.
import type { Json } from './kernel';

export const allVersions = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** -1, 0, 1 comparing two x.y.z versions numerically. */
export function cmpVersion(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
export const atLeast = (v: string, min: string): boolean => cmpVersion(v, min) >= 0;

type Family = '020' | '040' | '100';
export function family(v: string): Family {
  if (cmpVersion(v, '0.3.0') < 0) return '020';
  if (cmpVersion(v, '1.0.0') < 0) return '040';
  return '100';
}

interface Ip { version?: string; address: string; gateway?: string; interface?: number }
interface Route { dst: string; gw?: string }

/** 0.1/0.2 `ip4`/`ip6` → `ips[]` with version, routes concatenated (no interfaces). */
function from020(r: Json): Json {
  const ips: Ip[] = [];
  const routes: Route[] = [];
  for (const [key, ver] of [['ip4', '4'], ['ip6', '6']] as const) {
    const c = r[key];
    if (!c) continue;
    ips.push({ version: ver, address: c.ip, ...(c.gateway ? { gateway: c.gateway } : {}) });
    routes.push(...((c.routes ?? []) as Route[]));
  }
  return { ips, routes, dns: r.dns ?? {} };
}

/** `ips[]` → first v4 as `ip4`, first v6 as `ip6`, routes split by family. */
function to020(r: Json, version: string): Json {
  const out: Json = { cniVersion: version };
  const ips = (r.ips ?? []) as Ip[];
  const v4 = ips.find((i) => !i.address.includes(':'));
  const v6 = ips.find((i) => i.address.includes(':'));
  if (!v4 && !v6) throw new Error('cannot convert: no valid IP addresses');
  const routes = (r.routes ?? []) as Route[];
  for (const [key, ip, is6] of [['ip4', v4, false], ['ip6', v6, true]] as const) {
    if (!ip) continue;
    const rs = routes.filter((x) => x.dst.includes(':') === is6);
    out[key] = { ip: ip.address, ...(ip.gateway ? { gateway: ip.gateway } : {}), ...(rs.length ? { routes: rs } : {}) };
  }
  out.dns = r.dns ?? {};
  return out;
}

/** A result of any version to `to`, as libcni's converters would. */
export function convertResult(r: Json, to: string): Json {
  const from = family(String(r.cniVersion || '0.1.0'));
  const target = family(to);
  if (from === target) return { ...r, cniVersion: to };
  if (target === '020') return to020(from === '020' ? from020(r) : r, to);
  const mid = from === '020' ? from020(r) : r;
  const ips = ((mid.ips ?? []) as Ip[]).map((i) => {
    const { version: _v, ...rest } = i;
    return target === '040' ? { ...rest, version: i.address.includes(':') ? '6' : '4' } : rest;
  });
  return { ...mid, cniVersion: to, ips };
}
