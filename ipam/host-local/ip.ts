// IP addresses with Go's net semantics: the strict parser of net.ParseIP /
// net.ParseCIDR (netip rules: no leading zeros in IPv4 fields, no zones, "::"
// must stand for at least one group), canonicalisation as host-local does it
// (IPv4-mapped IPv6 is IPv4), and net.IP.String() / net.IPNet.String() output.

/** A canonical address: IPv4 (32 bits) or IPv6 (128 bits), value as a BigInt. */
export interface IP {
  readonly v6: boolean;
  readonly n: bigint;
}

export interface CIDR {
  /** the address as written (host bits kept), canonicalised */
  ip: IP;
  prefix: number;
  /** mask length of the text form: 32 for dotted IPv4, 128 for any IPv6 syntax */
  bits: 32 | 128;
}

const MAPPED = 0xffffn << 32n;

export const bitsOf = (ip: IP): 32 | 128 => (ip.v6 ? 128 : 32);

export function ipEqual(a: IP, b: IP): boolean {
  return a.v6 === b.v6 && a.n === b.n;
}

/** -1/0/1 within a family; families order v4 < v6 (callers compare one family) */
export function ipCmp(a: IP, b: IP): number {
  if (a.v6 !== b.v6) return a.v6 ? 1 : -1;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

/** 16-byte value of a 4- or 16-byte IP, IPv4 as ::ffff:a.b.c.d */
function canonical(n16: bigint): IP {
  return n16 >> 32n === 0xffffn ? { v6: false, n: n16 & 0xffffffffn } : { v6: true, n: n16 };
}

/** IPv4 dotted quad: exactly four decimal fields 0-255, no leading zeros */
function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

/** IPv6 per netip.parseIPv6 (without zones); returns the 128-bit value */
function parseV6(s: string): bigint | undefined {
  const groups: number[] = []; // 16-bit groups parsed so far
  let ellipsis = -1; // group index where "::" stands
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return 0n;
  }
  while (groups.length < 8) {
    const m = /^[0-9a-fA-F]*/.exec(rest)![0];
    if (m.length === 0 || m.length > 4) return undefined;
    if (rest[m.length] === '.') {
      // trailing embedded IPv4 replaces the last two groups
      if ((ellipsis < 0 && groups.length !== 6) || groups.length + 2 > 8) return undefined;
      const v4 = parseV4(rest);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      rest = '';
      break;
    }
    groups.push(parseInt(m, 16));
    rest = rest.slice(m.length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = groups.length;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return undefined;
  if (groups.length < 8) {
    if (ellipsis < 0) return undefined;
    groups.splice(ellipsis, 0, ...new Array<number>(8 - groups.length).fill(0));
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** netip.ParseAddr dispatch: the first '.', ':' or '%' decides the syntax */
function parseAny(s: string): { n16: bigint; bits: 32 | 128 } | undefined {
  const m = /[.:%]/.exec(s);
  if (!m || m[0] === '%') return undefined;
  if (m[0] === '.') {
    const v4 = parseV4(s);
    return v4 === undefined ? undefined : { n16: MAPPED | v4, bits: 32 };
  }
  const v6 = parseV6(s);
  return v6 === undefined ? undefined : { n16: v6, bits: 128 };
}

/** net.ParseIP followed by host-local's canonicalizeIP */
export function parseIP(s: string): IP | undefined {
  const a = parseAny(s);
  return a && canonical(a.n16);
}

/** net.ParseCIDR: "<ip>/<decimal prefix>", prefix <= mask bits of the address syntax */
export function parseCIDR(s: string): CIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const a = parseAny(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!a || !/^[0-9]+$/.test(p)) return undefined;
  const prefix = Number(p);
  if (prefix > a.bits) return undefined;
  return { ip: canonical(a.n16), prefix, bits: a.bits };
}

/** pkg/ip.ParseIP: "ip" or "ip/prefix"; the prefix is validated and dropped */
export function parseIPOrCIDR(s: string): IP | undefined {
  return s.includes('/') ? parseCIDR(s)?.ip : parseIP(s);
}

/** net.IP.String(): dotted IPv4, RFC 5952 IPv6 (longest run of >=2 zero groups as "::") */
export function formatIP(ip: IP): string {
  if (!ip.v6 || ip.n >> 32n === 0xffffn) {
    const n = Number(ip.n & 0xffffffffn);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((ip.n >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i >= 2 && j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** net.IPNet.String() of a canonical IP and a mask of `bits` length (4-byte view of v4) */
export function formatIPNet(ip: IP, prefix: number, bits: 32 | 128): string {
  const p = !ip.v6 && bits === 128 ? Math.max(0, prefix - 96) : prefix;
  return `${formatIP(ip)}/${p}`;
}

export function maskOf(prefix: number, bits: 32 | 128): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

export function nextIP(ip: IP): IP {
  return { v6: ip.v6, n: ip.n + 1n };
}
