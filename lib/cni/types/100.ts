// The 1.0.0/1.1.0 family (cni pkg/types/100, types in ./current.ts): conversions to and
// from the 0.4 family and the two JSON layouts the reference has printed over time.
import { copyInterface040, copyIPConfig040, type Result040 } from './040';
import type { Interface, IPConfig, Result } from './current';
import { canonicalCIDR, canonicalIP, cidrFamily } from '../../ip';
import { goSortKeys, type GoObject } from './json';
import { copyResult, dnsIsEmpty, marshalDNS, marshalRoute, nonEmpty } from './shared';

export const versions100 = ['1.0.0', '1.1.0'] as const;

export function copyInterface(i: Interface): Interface {
  const out: Interface = { name: i.name };
  if (i.mac) out.mac = i.mac;
  if (i.mtu) out.mtu = i.mtu;
  if (i.sandbox) out.sandbox = i.sandbox;
  if (i.socketPath) out.socketPath = i.socketPath;
  if (i.pciID) out.pciID = i.pciID;
  return out;
}

export function copyIPConfig(c: IPConfig): IPConfig {
  const out: IPConfig = { address: c.address };
  if (c.interface !== undefined && c.interface !== null) out.interface = c.interface;
  if (c.gateway) out.gateway = c.gateway;
  return out;
}

/** convertFrom100: 1.0.0 <-> 1.1.0 only change the version. */
export function convert100To100(r: Result, toVersion: string): Result {
  return copyResult(r, toVersion, copyInterface, copyIPConfig);
}

/** convertFrom04x: drops ips[].version; interfaces keep name/mac/sandbox. */
export function convert040To100(r: Result040, toVersion: string): Result {
  return copyResult(r, toVersion, copyInterface040, copyIPConfig);
}

/**
 * convertTo04x: adds ips[].version ("4" when Go's To4() succeeds, IPv4-mapped included),
 * drops interface mtu/socketPath/pciID (the 0.4 copies keep exactly the 0.4 fields);
 * routes keep all their fields.
 */
export function convert100To040(r: Result, toVersion: string): Result040 {
  return copyResult(r, toVersion, copyInterface040, (c: IPConfig) => copyIPConfig040({ ...c, version: cidrFamily(c.address) }));
}

/**
 * Plain struct marshalling (libcni < v1.2, e.g. Debian's v1.0.1): cniVersion, interfaces,
 * ips, routes, dns in struct order, "dns": {} when empty.
 */
export function marshal100(r: Result): GoObject {
  const o: GoObject = {};
  if (r.cniVersion) o.cniVersion = r.cniVersion;
  if (nonEmpty(r.interfaces)) {
    // copyInterface keeps Go's field order
    o.interfaces = r.interfaces.map((i) => ({ ...copyInterface(i) }));
  }
  if (nonEmpty(r.ips)) {
    o.ips = r.ips.map((c) => {
      const x: GoObject = {};
      if (c.interface !== undefined && c.interface !== null) x.interface = c.interface;
      x.address = canonicalCIDR(c.address);
      if (c.gateway) x.gateway = canonicalIP(c.gateway);
      return x;
    });
  }
  if (nonEmpty(r.routes)) o.routes = r.routes.map(marshalRoute);
  o.dns = marshalDNS(r.dns);
  return o;
}

/**
 * libcni >= v1.2 Result.MarshalJSON: the struct JSON is decoded into a map, "dns" is deleted
 * when DNS.IsEmpty(), and the map is marshalled again, so every object's keys come out
 * sorted (maps nested in the map are map[string]interface{} too).
 */
export function marshal100Sorted(r: Result): GoObject {
  const o = marshal100(r);
  if (dnsIsEmpty(r.dns)) delete o.dns;
  return goSortKeys(o) as GoObject;
}
