// Addresses (RTM_*ADDR): Addr <-> ifaddrmsg + IFA_* attributes. Pure.
// encodeAddr writes attributes in the order the kernel's own RTM_NEWADDR uses
// (inet_fill_ifaddr / inet6_fill_ifaddr), so a kernel message re-encodes byte for byte.
import { formatIP, mustParseCIDR, mustParseIP } from '../ip';
import { Attrs, concat, decodeIfAddr, encodeIfAddr, nla } from './codec';
import { AF, IFA, RT_SCOPE } from './constants';

export interface AddrCacheInfo {
  /** seconds; 0xffffffff = forever */
  preferred: number;
  valid: number;
  /** hundredths of a second since boot; ignored on requests */
  created: number;
  updated: number;
}

export interface Addr {
  family: number;
  index: number;
  prefixLen: number;
  /** IFA_ADDRESS: the address (the peer's on point-to-point links) */
  address: string;
  /** IFA_LOCAL: the local address (IPv4 always has it) */
  local?: string;
  broadcast?: string;
  label?: string;
  scope: number;
  /** IFA_F_*, all 32 bits (IFA_FLAGS) */
  flags: number;
  cacheInfo?: AddrCacheInfo;
}

export function decodeAddr(payload: Uint8Array): Addr {
  const h = decodeIfAddr(payload);
  const a = new Attrs(payload.subarray(8));
  const address = a.ip(IFA.ADDRESS) ?? a.ip(IFA.LOCAL) ?? '';
  const out: Addr = { family: h.family, index: h.index, prefixLen: h.prefixLen, address, scope: h.scope, flags: a.u32(IFA.FLAGS) ?? h.flags };
  const local = a.ip(IFA.LOCAL), broadcast = a.ip(IFA.BROADCAST), label = a.str(IFA.LABEL);
  if (local !== undefined) out.local = local;
  if (broadcast !== undefined) out.broadcast = broadcast;
  if (label !== undefined) out.label = label;
  const ci = a.get(IFA.CACHEINFO);
  if (ci && ci.length >= 16) {
    const v = new DataView(ci.buffer, ci.byteOffset, 16);
    out.cacheInfo = { preferred: v.getUint32(0, true), valid: v.getUint32(4, true), created: v.getUint32(8, true), updated: v.getUint32(12, true) };
  }
  return out;
}

/** RTM_NEWADDR/RTM_DELADDR payload of `a`, attributes in the kernel's order for its family. */
export function encodeAddr(a: Addr): Uint8Array {
  const parts = [encodeIfAddr({ family: a.family, prefixLen: a.prefixLen, flags: a.flags, scope: a.scope, index: a.index })];
  const ip = (type: number, text: string): Uint8Array => nla.raw(type, mustParseIP(text));
  const cache = a.cacheInfo && nla.raw(IFA.CACHEINFO, cacheInfo(a.cacheInfo));
  if (a.family === AF.INET6 && a.local !== undefined && a.local !== a.address) parts.push(ip(IFA.LOCAL, a.local));
  parts.push(ip(IFA.ADDRESS, a.address));
  if (a.family !== AF.INET6) {
    if (a.local !== undefined) parts.push(ip(IFA.LOCAL, a.local));
    if (a.broadcast !== undefined) parts.push(ip(IFA.BROADCAST, a.broadcast));
    if (a.label !== undefined) parts.push(nla.str(IFA.LABEL, a.label));
    parts.push(nla.u32(IFA.FLAGS, a.flags));
    if (cache) parts.push(cache);
  } else {
    if (cache) parts.push(cache);
    parts.push(nla.u32(IFA.FLAGS, a.flags));
  }
  return concat(parts);
}

function cacheInfo(c: AddrCacheInfo): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  [c.preferred, c.valid, c.created, c.updated].forEach((x, i) => v.setUint32(4 * i, x >>> 0, true));
  return out;
}

/** An address to add or delete. */
export interface AddrSpec {
  /** "10.1.2.3" or "fd00::3" */
  address: string;
  prefixLen: number;
  /** IPv4 broadcast; computed (as vishvananda/netlink does) for prefixes up to /30 unless false */
  broadcast?: string | false;
  label?: string;
  /** IFA_F_* (e.g. IFA_F.NODAD) */
  flags?: number;
  scope?: number;
  /** lifetimes in seconds (default forever) */
  validLft?: number;
  preferredLft?: number;
}

/**
 * "10.1.2.3/24" (a bare address gets the full length) -> its bytes, the prefix, and the address
 * as this module prints addresses (formatIP 'netlink' style, as in decoded Addrs and Routes).
 * TypeError when invalid (lib/ip's mustParseCIDR).
 */
export function parseCidr(text: string): { address: string; bytes: Uint8Array; prefixLen: number } {
  const c = mustParseCIDR(text, { bare: true });
  return { address: formatIP(c.ip, 'netlink'), bytes: c.ip, prefixLen: c.prefix };
}

/** The Addr a request for `spec` on link `index` carries. */
export function addrFromSpec(index: number, spec: AddrSpec, forDelete = false): Addr {
  const bytes = mustParseIP(spec.address);
  const family = bytes.length === 4 ? AF.INET : AF.INET6;
  if (!(spec.prefixLen >= 0 && spec.prefixLen <= bytes.length * 8)) throw new RangeError(`invalid prefix length /${spec.prefixLen} for ${spec.address}`);
  const address = formatIP(bytes, 'netlink');
  const a: Addr = { family, index, prefixLen: spec.prefixLen, address, scope: spec.scope ?? RT_SCOPE.UNIVERSE, flags: spec.flags ?? 0 };
  if (family === AF.INET) {
    a.local = address;
    if (!forDelete && spec.broadcast !== false && (spec.broadcast !== undefined || spec.prefixLen < 31)) {
      a.broadcast = spec.broadcast ?? broadcastOf(bytes, spec.prefixLen);
    }
    if (spec.label !== undefined) a.label = spec.label;
  }
  if (!forDelete && (spec.validLft !== undefined || spec.preferredLft !== undefined)) {
    const valid = spec.validLft ?? 0xffffffff;
    a.cacheInfo = { valid, preferred: spec.preferredLft ?? valid, created: 0, updated: 0 };
  }
  return a;
}

function broadcastOf(ip: Uint8Array, prefixLen: number): string {
  const out = Uint8Array.from(ip, (byte, i) => {
    const bits = Math.max(0, Math.min(8, prefixLen - 8 * i));
    return byte | (0xff >> bits);
  });
  return formatIP(out, 'netlink');
}

/** RTM_GETADDR dump payload; with strict checking the kernel filters by link index. */
export function encodeAddrDump(family: number = AF.UNSPEC, index = 0): Uint8Array {
  return encodeIfAddr({ family, prefixLen: 0, flags: 0, scope: 0, index });
}
