// IP address text <-> network-order bytes, for the codec. Pure; no dependency.
// Formats as iproute2 and Go's net.IP print: dotted quad, and RFC 5952 for IPv6.

/** 4 bytes for IPv4 text, 16 for IPv6 (including "::ffff:1.2.3.4"). Throws TypeError otherwise. */
export function parseIp(text: string): Uint8Array {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text);
  if (v6) return v6;
  throw new TypeError(`invalid IP address: ${JSON.stringify(text)}`);
}

export function ipFamilyBytes(family: number): number {
  return family === 2 ? 4 : 16;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  let s = text;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.') && lastColon >= 0) {
    // an embedded IPv4 tail ("::ffff:1.2.3.4") becomes two hex words
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    s = `${s.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string | undefined): number[] | undefined => {
    if (!h) return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !rest) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  const out = new Uint8Array(16);
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

/** Text of 4 or 16 network-order bytes; undefined for any other length. */
export function formatIp(b: Uint8Array): string | undefined {
  if (b.length === 4) return b.join('.');
  if (b.length !== 16) return undefined;
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) return `::ffff:${b.subarray(12).join('.')}`;
  // RFC 5952: compress the longest run (>= 2) of zero words, the first one on a tie
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** "10.1.2.3/24" -> { address, prefixLen }; the prefix defaults to the full length. */
export function parseCidr(text: string): { address: string; bytes: Uint8Array; prefixLen: number } {
  const [addr = '', plen, extra] = text.split('/');
  if (extra !== undefined) throw new TypeError(`invalid CIDR: ${JSON.stringify(text)}`);
  const bytes = parseIp(addr);
  const max = bytes.length * 8;
  const prefixLen = plen === undefined ? max : /^\d{1,3}$/.test(plen) ? Number(plen) : NaN;
  if (!(prefixLen >= 0 && prefixLen <= max)) throw new TypeError(`invalid CIDR: ${JSON.stringify(text)}`);
  return { address: formatIp(bytes) ?? addr, bytes, prefixLen };
}
