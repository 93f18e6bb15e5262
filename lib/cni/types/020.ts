// The 0.1.0/0.2.0 result family (cni pkg/types/020): one optional IPv4 and one optional
// IPv6 config with their routes, no interfaces.
import type { DNS, Route } from './current';
import { canonicalCIDR, canonicalIP } from '../../ip';
import type { GoObject } from './json';
import { copyDNS, copyRoute, marshalDNS, marshalRoute, nonEmpty } from './shared';

export const versions020 = ['0.1.0', '0.2.0'] as const;

export interface IPConfig020 {
  /** host address with prefix, e.g. 10.88.0.5/24 */
  ip: string;
  gateway?: string;
  /** libcni keeps full types.Route values here; down-conversion only fills dst/gw */
  routes?: Route[];
}

export interface Result020 {
  cniVersion: string;
  ip4?: IPConfig020;
  ip6?: IPConfig020;
  dns?: DNS;
}

export function copyIPConfig020(c: IPConfig020): IPConfig020 {
  const out: IPConfig020 = { ip: c.ip };
  if (c.gateway) out.gateway = c.gateway;
  if (nonEmpty(c.routes)) out.routes = c.routes.map(copyRoute);
  return out;
}

/** convertFrom010 / convertTo010: the types are the same, only the version changes. */
export function convert020To020(r: Result020, toVersion: string): Result020 {
  const out: Result020 = { cniVersion: toVersion };
  if (r.ip4) out.ip4 = copyIPConfig020(r.ip4);
  if (r.ip6) out.ip6 = copyIPConfig020(r.ip6);
  const dns = copyDNS(r.dns);
  if (dns) out.dns = dns;
  return out;
}

function marshalIPConfig020(c: IPConfig020): GoObject {
  const o: GoObject = { ip: canonicalCIDR(c.ip) };
  if (c.gateway) o.gateway = canonicalIP(c.gateway);
  if (nonEmpty(c.routes)) o.routes = c.routes.map(marshalRoute);
  return o;
}

/** Go struct order: cniVersion, ip4, ip6, dns (dns always printed, {} when empty). */
export function marshal020(r: Result020): GoObject {
  const o: GoObject = {};
  if (r.cniVersion) o.cniVersion = r.cniVersion;
  if (r.ip4) o.ip4 = marshalIPConfig020(r.ip4);
  if (r.ip6) o.ip6 = marshalIPConfig020(r.ip6);
  o.dns = marshalDNS(r.dns);
  return o;
}
