// Addresses as numbers, for arithmetic (host-local's ranges and allocator): bigint
// conversions, masks, next address, comparison. IPNum is canonical the way host-local's
// canonicalizeIP makes it: IPv4 and IPv4-mapped IPv6 are IPv4 (32 bits), the rest IPv6.
import { formatIP, to4 } from './format';
import { parseCIDR, parseIP } from './parse';

export interface IPNum {
  readonly v6: boolean;
  readonly n: bigint;
}

export interface CIDRNum {
  /** the address as written (host bits kept), canonical */
  ip: IPNum;
  prefix: number;
  /** mask length of the text form: 32 for a dotted quad, 128 for any IPv6 syntax */
  bits: 32 | 128;
}

const MAPPED = 0xffffn << 32n;

/** Big-endian value of the bytes. */
export function ipToBigInt(ip: Uint8Array): bigint {
  return ip.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/** The low `len` bytes of n, big-endian. */
export function ipFromBigInt(n: bigint, len: 4 | 16): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1, v = n; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

export function toIPNum(ip: Uint8Array): IPNum {
  const v4 = to4(ip);
  return v4 ? { v6: false, n: ipToBigInt(v4) } : { v6: true, n: ipToBigInt(ip) };
}

/** Bytes of an IPNum: 4 for IPv4, or 16 (IPv4 then as ::ffff:a.b.c.d). Values wrap to the length. */
export function fromIPNum(ip: IPNum, len: 4 | 16 = ip.v6 ? 16 : 4): Uint8Array {
  return ipFromBigInt(!ip.v6 && len === 16 ? MAPPED | (ip.n & 0xffffffffn) : ip.n, len);
}

export const bitsOf = (ip: IPNum): 32 | 128 => (ip.v6 ? 128 : 32);

export function ipNumEqual(a: IPNum, b: IPNum): boolean {
  return a.v6 === b.v6 && a.n === b.n;
}

/** -1/0/1 within a family; IPv4 sorts before IPv6. */
export function compareIPNum(a: IPNum, b: IPNum): number {
  if (a.v6 !== b.v6) return a.v6 ? 1 : -1;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

/** ip + 1, same length, wrapping around at the top. */
export function nextIP(ip: Uint8Array): Uint8Array {
  return ipFromBigInt(ipToBigInt(ip) + 1n, ip.length === 4 ? 4 : 16);
}

export function nextIPNum(ip: IPNum): IPNum {
  return { v6: ip.v6, n: ip.n + 1n };
}

/** The mask of `prefix` leading ones in `bits` bits. */
export function maskOf(prefix: number, bits: 32 | 128): bigint {
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** net.ParseIP followed by host-local's canonicalizeIP. */
export function parseIPNum(s: string): IPNum | undefined {
  const ip = parseIP(s);
  return ip && toIPNum(ip);
}

/** net.ParseCIDR, address canonical, `bits` from the syntax. */
export function parseCIDRNum(s: string): CIDRNum | undefined {
  const c = parseCIDR(s);
  return c && { ip: toIPNum(c.ip), prefix: c.prefix, bits: c.ip.length === 4 ? 32 : 128 };
}

/** net.IP.String() ('go' style). */
export function formatIPNum(ip: IPNum): string {
  return formatIP(fromIPNum(ip));
}

/** net.IPNet.String() of a canonical address and a `bits`-long mask: IPv4 with a 128-bit mask shows its low 32 bits. */
export function formatCIDRNum(ip: IPNum, prefix: number, bits: 32 | 128): string {
  return `${formatIPNum(ip)}/${!ip.v6 && bits === 128 ? Math.max(0, prefix - 96) : prefix}`;
}
