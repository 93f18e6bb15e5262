// Pieces shared by every result family: libcni's types.Route and types.DNS
// (copy semantics and Go JSON field order / omitempty rules).
import type { DNS, Route } from './current';
import { canonicalCIDR, canonicalIP } from '../../ip';
import type { GoObject } from './json';

/** Deep copy of a route, keeping every field (types.Route.Copy). */
export function copyRoute(r: Route): Route {
  const out: Route = { dst: r.dst };
  if (r.gw !== undefined) out.gw = r.gw;
  if (r.mtu !== undefined) out.mtu = r.mtu;
  if (r.advmss !== undefined) out.advmss = r.advmss;
  if (r.priority !== undefined) out.priority = r.priority;
  if (r.table !== undefined) out.table = r.table;
  if (r.scope !== undefined) out.scope = r.scope;
  return out;
}

/** types.DNS.Copy; returns undefined for an empty DNS so converted results stay minimal. */
export function copyDNS(d: DNS | undefined): DNS | undefined {
  if (!d || dnsIsEmpty(d)) return undefined;
  const out: DNS = {};
  if (d.nameservers?.length) out.nameservers = [...d.nameservers];
  if (d.domain) out.domain = d.domain;
  if (d.search?.length) out.search = [...d.search];
  if (d.options?.length) out.options = [...d.options];
  return out;
}

/** types.DNS.IsEmpty */
export function dnsIsEmpty(d: DNS | undefined): boolean {
  return !d || (!d.nameservers?.length && !d.domain && !d.search?.length && !d.options?.length);
}

/** types.route JSON: dst, gw, mtu, advmss, priority (omitempty), table, scope (pointers). */
export function marshalRoute(r: Route): GoObject {
  const o: GoObject = { dst: canonicalCIDR(r.dst) };
  if (r.gw) o.gw = canonicalIP(r.gw);
  if (r.mtu) o.mtu = r.mtu;
  if (r.advmss) o.advmss = r.advmss;
  if (r.priority) o.priority = r.priority;
  if (r.table !== undefined && r.table !== null) o.table = r.table;
  if (r.scope !== undefined && r.scope !== null) o.scope = r.scope;
  return o;
}

/** types.DNS JSON: nameservers, domain, search, options, all omitempty; {} when empty. */
export function marshalDNS(d: DNS | undefined): GoObject {
  const o: GoObject = {};
  if (d?.nameservers?.length) o.nameservers = [...d.nameservers];
  if (d?.domain) o.domain = d.domain;
  if (d?.search?.length) o.search = [...d.search];
  if (d?.options?.length) o.options = [...d.options];
  return o;
}

/** Array fields are present only when non-empty (Go's omitempty on slices). */
export function nonEmpty<T>(a: T[] | undefined): a is T[] {
  return a !== undefined && a.length > 0;
}

/** The shape both result families share: only the interface and IP types differ. */
export interface ResultShape<Iface, IP> {
  cniVersion: string;
  interfaces?: Iface[];
  ips?: IP[];
  routes?: Route[];
  dns?: DNS;
}

/** A result copied into `toVersion` with per-family interface and IP copies; empty lists are dropped. */
export function copyResult<IfIn, IpIn, IfOut, IpOut>(
  r: ResultShape<IfIn, IpIn>, toVersion: string, iface: (i: IfIn) => IfOut, ip: (c: IpIn) => IpOut,
): ResultShape<IfOut, IpOut> {
  const out: ResultShape<IfOut, IpOut> = { cniVersion: toVersion };
  if (nonEmpty(r.interfaces)) out.interfaces = r.interfaces.map(iface);
  if (nonEmpty(r.ips)) out.ips = r.ips.map(ip);
  if (nonEmpty(r.routes)) out.routes = r.routes.map(copyRoute);
  const dns = copyDNS(r.dns);
  if (dns) out.dns = dns;
  return out;
}
