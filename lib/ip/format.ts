// Printing addresses. Every style prints a dotted quad for 4 bytes and, for other IPv6
// addresses, RFC 5952: lowercase hex without leading zeros, the first longest run of at
// least two zero groups as "::" (a single zero group is not compressed). The styles differ
// only in how IPv4 embedded in 16 bytes prints, because the callers print for different
// readers and their outputs must not change:
//
//   input              'go' (net.IP.String)   'netlink'           'inet_ntop' (glibc)
//   ::ffff:10.0.0.1    10.0.0.1               ::ffff:10.0.0.1     ::ffff:10.0.0.1
//   ::10.0.0.1         ::a00:1                ::a00:1             ::10.0.0.1
//
// 'go' is for CNI results and host-local (what the reference plugins print); 'netlink' is
// what lib/netlink has always reported for kernel addresses (the same text both where it
// parses and where it decodes, so comparisons hold); 'inet_ntop' is how iptables-save and
// nft print rules, which lib/masq compares against.
import { type IPPrefix, parseCIDR, parseIP } from './parse';

export type IPStyle = 'go' | 'netlink' | 'inet_ntop';

/** True for the 4- and 16-byte lengths every function here takes. */
export const isIPBytes = (b: Uint8Array): boolean => b.length === 4 || b.length === 16;

export type IPFamily = 4 | 6;

/** 4 for a dotted-quad address, 6 for IPv6 syntax (the AF the kernel would get). */
export const ipFamily = (ip: Uint8Array): IPFamily => (ip.length === 4 ? 4 : 6);

/** net.IP.To4: the 4 bytes of an IPv4 or IPv4-mapped address, else undefined. */
export function to4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === 4) return ip;
  if (ip.length !== 16) return undefined;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return undefined;
  return ip[10] === 0xff && ip[11] === 0xff ? ip.subarray(12) : undefined;
}

const dotted = (b: Uint8Array): string => Array.from(b).join('.');

/** Text of a 4- or 16-byte address (RangeError otherwise) in the given style. */
export function formatIP(ip: Uint8Array, style: IPStyle = 'go'): string {
  if (ip.length === 4) return dotted(ip);
  if (ip.length !== 16) throw new RangeError(`not an IP address: ${ip.length} bytes`);
  const w = Array.from({ length: 8 }, (_, i) => (ip[2 * i]! << 8) | ip[2 * i + 1]!);
  if (w.slice(0, 5).every((x) => x === 0)) {
    if (w[5] === 0xffff) return style === 'go' ? dotted(ip.subarray(12)) : `::ffff:${dotted(ip.subarray(12))}`;
    // IPv4-compatible (deprecated): glibc prints it dotted when the run of zeros is exactly 6
    if (style === 'inet_ntop' && w[5] === 0 && w[6] !== 0) return `::${dotted(ip.subarray(12))}`;
  }
  let best = -1;
  let bestLen = 1; // runs of one group stay
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/**
 * "ip/prefix". With 'go' this is net.IPNet.String() of {IP: ip, Mask: CIDRMask(prefix, bits)}:
 * a 16-byte IPv4-mapped address prints as IPv4 with the low 32 bits of its mask
 * ("::ffff:10.0.0.0/104" -> "10.0.0.0/8", "/64" -> "/0"). The other styles print the
 * mapped address in IPv6 form and so keep the prefix as given.
 */
export function formatCIDR(c: IPPrefix, style: IPStyle = 'go'): string {
  const shift = style === 'go' && c.ip.length === 16 && to4(c.ip) !== undefined;
  return `${formatIP(c.ip, style)}/${shift ? Math.max(0, c.prefix - 96) : c.prefix}`;
}

/** A copy of ip with the bits after `prefix` cleared (ip.Mask(CIDRMask(prefix, bits))). */
export function maskIP(ip: Uint8Array, prefix: number): Uint8Array {
  return Uint8Array.from(ip, (b, i) => b & (0xff00 >> Math.max(0, Math.min(8, prefix - 8 * i))));
}

/** The network of a prefix: host bits cleared, same length. */
export function networkOf(c: IPPrefix): IPPrefix {
  return { ip: maskIP(c.ip, c.prefix), prefix: c.prefix };
}

// The CNI result helpers (libcni's types.IPNet / net.IP JSON): canonical Go text.

/** Canonical Go form of an IP string; unparsable input is returned unchanged. */
export function canonicalIP(s: string): string {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : s;
}

/** Canonical Go form (host address kept) of an ip/prefix string; unparsable input is returned unchanged. */
export function canonicalCIDR(s: string): string {
  const c = parseCIDR(s);
  return c ? formatCIDR(c) : s;
}

/** "4" when Go's To4() succeeds on the address of an ip/prefix string, else "6" (unparsable: "6" iff it has a ':'). */
export function cidrFamily(s: string): '4' | '6' {
  const c = parseCIDR(s);
  if (c) return to4(c.ip) ? '4' : '6';
  return s.includes(':') ? '6' : '4';
}
