// The one IP text parser, with Go's rules: net.ParseIP / net.ParseCIDR, which since Go 1.22
// are netip.ParseAddr plus "no zone". Dotted quads are exactly four decimal fields 0-255
// without leading zeros (no octal, hex or short forms); IPv6 fields are 1-4 hex digits, one
// "::" standing for at least one zero group, an embedded dotted quad only as the last 32 bits;
// no zones. The address keeps the family of its syntax, like netip.Addr: 4 bytes for a dotted
// quad, 16 for any IPv6 text (so "::ffff:1.2.3.4" is 16 bytes; see to4 for Go's To4()).

export interface IPPrefix {
  /** the address as written (host bits kept): 4 bytes for a dotted quad, 16 for IPv6 syntax */
  ip: Uint8Array;
  prefix: number;
}

/** Dotted quad into out[at..at+4] (netip.parseIPv4Fields). */
function parseV4(s: string, out: Uint8Array, at: number): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return false;
    out[at + i] = Number(p);
  }
  return true;
}

/** netip.parseIPv6 without zones. */
function parseV6(s: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let i = 0; // bytes filled
  let ellipsis = -1; // byte index where "::" stands
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return out;
  }
  while (i < 16) {
    const hex = /^[0-9a-fA-F]*/.exec(rest)![0];
    if (hex.length === 0 || hex.length > 4) return undefined;
    if (rest[hex.length] === '.') {
      // a trailing dotted quad replaces the last two groups
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16 || !parseV4(rest, out, i)) return undefined;
      i += 4;
      rest = '';
      break;
    }
    const g = parseInt(hex, 16);
    out[i++] = g >> 8;
    out[i++] = g & 0xff;
    rest = rest.slice(hex.length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    out.copyWithin(ellipsis + 16 - i, ellipsis, i);
    out.fill(0, ellipsis, ellipsis + 16 - i);
  } else if (ellipsis >= 0) {
    return undefined; // "::" must stand for at least one group
  }
  return out;
}

/** net.ParseIP: 4 bytes for a dotted quad, 16 for IPv6 text; undefined when invalid. */
export function parseIP(s: string): Uint8Array | undefined {
  // netip.ParseAddr: the first '.', ':' or '%' decides the syntax
  const m = /[.:%]/.exec(s);
  if (!m || m[0] === '%') return undefined;
  if (m[0] === ':') return parseV6(s);
  const out = new Uint8Array(4);
  return parseV4(s, out, 0) ? out : undefined;
}

/**
 * net.ParseCIDR keeping the host address: "<ip>/<prefix>", the prefix decimal digits (Go's
 * dtoi: leading zeros allowed) and at most 32 for a dotted quad, 128 for IPv6 syntax.
 * With `bare`, a plain address is accepted too and gets the full-length prefix.
 */
export function parseCIDR(s: string, opts: { bare?: boolean } = {}): IPPrefix | undefined {
  const slash = s.indexOf('/');
  const ip = parseIP(slash < 0 ? s : s.slice(0, slash));
  if (!ip) return undefined;
  if (slash < 0) return opts.bare ? { ip, prefix: ip.length * 8 } : undefined;
  const p = s.slice(slash + 1);
  if (!/^[0-9]+$/.test(p) || Number(p) > ip.length * 8) return undefined;
  return { ip, prefix: Number(p) };
}

/** CNI's pkg/ip.ParseIP: "ip" or "ip/prefix"; the prefix is validated and dropped. */
export function parseIPOrCIDR(s: string): Uint8Array | undefined {
  return parseCIDR(s, { bare: true })?.ip;
}

/** parseIP that throws TypeError(`invalid IP address: "<s>"`). */
export function mustParseIP(s: string): Uint8Array {
  const ip = parseIP(s);
  if (!ip) throw new TypeError(`invalid IP address: ${JSON.stringify(s)}`);
  return ip;
}

/**
 * parseCIDR that throws TypeError: `invalid IP address: "<address part>"` when that is the
 * problem, else `invalid CIDR: "<s>"` (also for more than one "/").
 */
export function mustParseCIDR(s: string, opts: { bare?: boolean } = {}): IPPrefix {
  const parts = s.split('/');
  const c = parts.length <= 2 ? parseCIDR(s, opts) : undefined;
  if (c) return c;
  if (parts.length <= 2) mustParseIP(parts[0]!);
  throw new TypeError(`invalid CIDR: ${JSON.stringify(s)}`);
}
