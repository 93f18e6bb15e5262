// The 0.3.0/0.3.1/0.4.0 result family (cni pkg/types/040) and its conversions to and
// from the 0.2 family (convertFrom02x / convertTo02x there).
import { internal } from '../errors';
import type { IPConfig020, Result020 } from './020';
import type { DNS, Route } from './current';
import { canonicalCIDR, canonicalIP, cidrFamily } from '../../ip';
import type { GoObject } from './json';
import { copyDNS, copyResult, copyRoute, marshalDNS, marshalRoute, nonEmpty } from './shared';

export const versions040 = ['0.3.0', '0.3.1', '0.4.0'] as const;

export interface Interface040 {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface IPConfig040 {
  /** "4" or "6"; 0.2 down-conversion trusts this field, not the address */
  version: string;
  /** index into interfaces */
  interface?: number;
  address: string;
  gateway?: string;
}

export interface Result040 {
  cniVersion: string;
  interfaces?: Interface040[];
  ips?: IPConfig040[];
  routes?: Route[];
  dns?: DNS;
}

export function copyInterface040(i: Interface040): Interface040 {
  const out: Interface040 = { name: i.name };
  if (i.mac) out.mac = i.mac;
  if (i.sandbox) out.sandbox = i.sandbox;
  return out;
}

export function copyIPConfig040(c: IPConfig040): IPConfig040 {
  const out: IPConfig040 = { version: c.version, address: c.address };
  if (c.interface !== undefined && c.interface !== null) out.interface = c.interface;
  if (c.gateway) out.gateway = c.gateway;
  return out;
}

/** convertInternal: same types, only the version changes. */
export function convert040To040(r: Result040, toVersion: string): Result040 {
  return copyResult(r, toVersion, copyInterface040, copyIPConfig040);
}

/** convertFrom02x: ip4 then ip6 become ips (version "4"/"6"), their routes are concatenated. */
export function convert020To040(r: Result020, toVersion: string): Result040 {
  const ips: IPConfig040[] = [];
  const routes: Route[] = [];
  const add = (c: IPConfig020 | undefined, version: string) => {
    if (!c) return;
    const ip: IPConfig040 = { version, address: c.ip };
    if (c.gateway) ip.gateway = c.gateway;
    ips.push(ip);
    for (const rt of c.routes ?? []) routes.push(copyRoute(rt));
  };
  add(r.ip4, '4');
  add(r.ip6, '6');
  const out: Result040 = { cniVersion: toVersion };
  if (ips.length) out.ips = ips;
  if (routes.length) out.routes = routes;
  const dns = copyDNS(r.dns);
  if (dns) out.dns = dns;
  return out;
}

/**
 * convertTo02x: keeps only the first IPv4 and the first IPv6 entry (by `version`), routes go
 * to the family of their destination (only dst/gw kept) and are dropped when that family has
 * no address, interfaces are dropped. Fails when no address is left (a plain Go error: 999).
 */
export function convert040To020(r: Result040, toVersion: string): Result020 {
  let ip4: IPConfig020 | undefined;
  let ip6: IPConfig020 | undefined;
  for (const ip of r.ips ?? []) {
    const c: IPConfig020 = { ip: ip.address };
    if (ip.gateway) c.gateway = ip.gateway;
    if (ip.version === '4' && !ip4) ip4 = c;
    else if (ip.version === '6' && !ip6) ip6 = c;
    if (ip4 && ip6) break;
  }
  for (const rt of r.routes ?? []) {
    const target = cidrFamily(rt.dst) === '4' ? ip4 : ip6;
    if (!target) continue;
    const copy: Route = { dst: rt.dst };
    if (rt.gw) copy.gw = rt.gw;
    (target.routes ??= []).push(copy);
  }
  if (!ip4 && !ip6) throw internal('cannot convert: no valid IP addresses');
  const out: Result020 = { cniVersion: toVersion };
  if (ip4) out.ip4 = ip4;
  if (ip6) out.ip6 = ip6;
  const dns = copyDNS(r.dns);
  if (dns) out.dns = dns;
  return out;
}

function marshalIPConfig040(c: IPConfig040): GoObject {
  const o: GoObject = { version: c.version };
  if (c.interface !== undefined && c.interface !== null) o.interface = c.interface;
  o.address = canonicalCIDR(c.address);
  if (c.gateway) o.gateway = canonicalIP(c.gateway);
  return o;
}

/** Go struct order: cniVersion, interfaces, ips, routes, dns (dns always printed). */
export function marshal040(r: Result040): GoObject {
  const o: GoObject = {};
  if (r.cniVersion) o.cniVersion = r.cniVersion;
  if (nonEmpty(r.interfaces)) {
    o.interfaces = r.interfaces.map((i) => {
      const x: GoObject = { name: i.name };
      if (i.mac) x.mac = i.mac;
      if (i.sandbox) x.sandbox = i.sandbox;
      return x;
    });
  }
  if (nonEmpty(r.ips)) o.ips = r.ips.map(marshalIPConfig040);
  if (nonEmpty(r.routes)) o.routes = r.routes.map(marshalRoute);
  o.dns = marshalDNS(r.dns);
  return o;
}
