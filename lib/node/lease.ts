// Subnet leases as flannel stores them in etcd: key <prefix>/subnets/<a.b.c.d>-<len>
// (pkg/subnet MakeSubnetKey/ParseSubnetKey), value the JSON of lease.LeaseAttrs with Go's
// field order, e.g. {"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan",
// "BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}. Pure.
import { formatIP4, formatNet4, type Net4, parseIP4, parseNet4 } from './net4';

export interface LeaseAttrs {
  publicIP: string;
  backendType: string;
  /** vxlan: the VTEP's VNI and MAC */
  vtep?: { vni: number; mac: string };
}

export interface Lease {
  subnet: Net4;
  attrs: LeaseAttrs;
  /** etcd lease id ("0": none, a reservation that never expires) */
  etcdLease: string;
}

const KEY = /(\d+\.\d+\.\d+\.\d+)-(\d+)(?:&([a-f\d:]+)-(\d+))?$/;

export const subnetKey = (prefix: string, sn: Net4): string => `${prefix.replace(/\/+$/, '')}/subnets/${formatIP4(sn.ip)}-${sn.len}`;

/** The subnet named by a lease key (dual-stack keys give their IPv4 half); undefined if not one. */
export function parseSubnetKey(key: string): Net4 | undefined {
  const m = KEY.exec(key);
  return m ? parseNet4(`${m[1]}/${m[2]}`) : undefined;
}

/** json.Marshal(lease.LeaseAttrs) as flanneld writes it. */
export function encodeLeaseAttrs(a: LeaseAttrs): string {
  const v: Record<string, unknown> = { PublicIP: a.publicIP, PublicIPv6: null };
  if (a.backendType !== '') v['BackendType'] = a.backendType;
  if (a.vtep) v['BackendData'] = { VNI: a.vtep.vni, VtepMAC: a.vtep.mac };
  return JSON.stringify(v);
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A lease value written by flanneld or by us; throws Error naming what is wrong. */
export function decodeLeaseAttrs(text: string): LeaseAttrs {
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null) throw new Error('lease value is not a JSON object');
  const o = v as Record<string, unknown>;
  const ip = typeof o['PublicIP'] === 'string' ? parseIP4(o['PublicIP']) : undefined;
  if (ip === undefined) throw new Error(`lease PublicIP ${JSON.stringify(o['PublicIP'])} is not an IPv4 address`);
  const out: LeaseAttrs = { publicIP: formatIP4(ip), backendType: typeof o['BackendType'] === 'string' ? o['BackendType'] : '' };
  const data = o['BackendData'];
  if (out.backendType === 'vxlan') {
    const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
    const mac = typeof d['VtepMAC'] === 'string' ? d['VtepMAC'].toLowerCase() : '';
    if (!MAC.test(mac)) throw new Error(`lease BackendData.VtepMAC ${JSON.stringify(d['VtepMAC'])} is not a MAC address`);
    out.vtep = { vni: typeof d['VNI'] === 'number' ? d['VNI'] : 0, mac };
  }
  return out;
}

export const describeLease = (l: Lease): string =>
  `${formatNet4(l.subnet)} (${l.attrs.backendType} via ${l.attrs.publicIP}${l.attrs.vtep ? `, vtep ${l.attrs.vtep.mac}` : ''})`;
