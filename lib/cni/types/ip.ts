// Go net/netip parsing and printing of the IPs and CIDRs that appear in results, so
// parsed input is validated like libcni (net.ParseCIDR / net.ParseIP) and printed the
// way net.IP.String() / net.IPNet.String() print it.

export interface ParsedIP {
  /** 4 bytes for dotted-quad input, 16 bytes for IPv6 input (incl. ::ffff:a.b.c.d) */
  bytes: number[];
}

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // netip: 1-3 digits, no leading zeros, <= 255
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): number[] | undefined {
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  const group = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (i === fields.length - 1 && f.includes('.')) {
        const v4 = parseV4(f);
        if (!v4) return undefined;
        out.push(...v4);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(f)) return undefined;
        const n = parseInt(f, 16);
        out.push(n >> 8, n & 0xff);
      }
    }
    return out;
  };
  if (dbl < 0) {
    const all = group(s);
    return all && all.length === 16 ? all : undefined;
  }
  const head = group(s.slice(0, dbl));
  const tail = group(s.slice(dbl + 2));
  if (!head || !tail) return undefined;
  // an embedded IPv4 may only end the address
  if (s.slice(0, dbl).includes('.')) return undefined;
  const fill = 16 - head.length - tail.length;
  // "::" must stand for at least one zero group
  if (fill < 2) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/** net.ParseIP (Go >= 1.17): strict dotted quad or IPv6 text, no zone. */
export function parseIP(s: string): ParsedIP | undefined {
  const bytes = s.includes(':') ? parseV6(s) : parseV4(s);
  return bytes ? { bytes } : undefined;
}

/** The IPv4 form if this is IPv4 or IPv4-mapped IPv6 (net.IP.To4). */
export function to4(ip: ParsedIP): number[] | undefined {
  const b = ip.bytes;
  if (b.length === 4) return b;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return undefined;
  return b[10] === 0xff && b[11] === 0xff ? b.slice(12) : undefined;
}

/** net.IP.String(): dotted quad for IPv4 and IPv4-mapped, RFC 5952 for IPv6. */
export function formatIP(ip: ParsedIP): string {
  const v4 = to4(ip);
  if (v4) return v4.join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  // longest run of zero groups (first one on a tie), only if it spans >= 2 groups
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, best).map((x) => x.toString(16)).join(':');
  const tail = g.slice(best + bestLen).map((x) => x.toString(16)).join(':');
  return head + '::' + tail;
}

export interface ParsedCIDR {
  ip: ParsedIP;
  prefix: number;
}

/** types.ParseCIDR: net.ParseCIDR keeping the host address. */
export function parseCIDR(s: string): ParsedCIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const mask = s.slice(slash + 1);
  // Go's dtoi: decimal digits only (leading zeros allowed), bounded by the address length
  if (!ip || !/^[0-9]{1,8}$/.test(mask)) return undefined;
  const prefix = Number(mask);
  if (prefix > ip.bytes.length * 8) return undefined;
  return { ip, prefix };
}

/** net.IPNet.String() of a parsed CIDR: IPv4-mapped input prints as IPv4 with the low 32 mask bits. */
export function formatCIDR(c: ParsedCIDR): string {
  const v4mapped = c.ip.bytes.length === 16 && to4(c.ip) !== undefined;
  const prefix = v4mapped ? Math.max(0, c.prefix - 96) : c.prefix;
  return `${formatIP(c.ip)}/${prefix}`;
}

/** Canonical Go form of an ip/prefix string; unparsable input is returned unchanged. */
export function canonicalCIDR(s: string): string {
  const c = parseCIDR(s);
  return c ? formatCIDR(c) : s;
}

/** Canonical Go form of an IP string; unparsable input is returned unchanged. */
export function canonicalIP(s: string): string {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : s;
}

/** "4" when Go's To4() would succeed on the address of an ip/prefix string, else "6". */
export function cidrFamily(s: string): '4' | '6' {
  const c = parseCIDR(s);
  if (c) return to4(c.ip) ? '4' : '6';
  return s.includes(':') ? '6' : '4';
}
