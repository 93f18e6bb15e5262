// Minimal CIDR handling for the masquerade rules: parse `ip/prefix`, mask it, and print
// addresses the way iptables-save (glibc inet_ntop) and Go's net.IP.String() print them.

export type Family = 4 | 6;

export interface Cidr {
  family: Family;
  /** host address bytes (4 or 16) */
  bytes: Uint8Array;
  prefix: number;
}

function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | undefined {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const w of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
      out.push(parseInt(w, 16));
    }
    return out;
  };
  const head = words(halves[0] ?? '');
  const rest = halves.length === 2 ? words(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  const all = [...head, ...rest];
  const missing = 8 - all.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const full = halves.length === 2 ? [...head, ...new Array<number>(missing).fill(0), ...rest] : all;
  const out = new Uint8Array(16);
  full.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

/** Parses `ip/prefix` (or a bare ip: full-length prefix). Throws on garbage. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const v4 = ip.includes(':') ? undefined : parseV4(ip);
  const bytes = v4 ?? (ip.includes(':') ? parseV6(ip) : undefined);
  if (!bytes) throw new Error(`invalid IP address ${JSON.stringify(text)}`);
  const family: Family = bytes.length === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  const ptext = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(ptext) || Number(ptext) > max) throw new Error(`invalid CIDR address ${JSON.stringify(text)}`);
  return { family, bytes, prefix: Number(ptext) };
}

/** The network address: host bits cleared. */
export function maskBytes(c: Cidr): Uint8Array {
  const out = new Uint8Array(c.bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, c.prefix - 8 * i));
    out[i] = out[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/**
 * Text form of an address as iptables-save and nft print it (glibc inet_ntop): dotted quad, or
 * IPv6 lowercase with the first longest run of >= 2 zero words as `::`.
 */
export function formatIP(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(w);
  // glibc prints IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) with a dotted tail
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${Array.from(bytes.subarray(12)).join('.')}`;
  }
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/** `ip` of the host (Go `ipn.IP.String()`). */
export function hostString(c: Cidr): string {
  return formatIP(c.bytes);
}

/** `ip/prefix` of the masked network (Go `&net.IPNet{IP: ip.Mask(m), Mask: m}` .String()). */
export function networkString(c: Cidr): string {
  return `${formatIP(maskBytes(c))}/${c.prefix}`;
}

/** Host address with full-length prefix, as iptables-save prints `-s <ip>`. */
export function hostPrefixString(c: Cidr): string {
  return `${formatIP(c.bytes)}/${c.family === 4 ? 32 : 128}`;
}
