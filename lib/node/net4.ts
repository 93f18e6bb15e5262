// IPv4 networks as unsigned 32-bit numbers: what flannel's pkg/ip IP4/IP4Net do for the
// subnet manager (contains, overlaps, next subnet). Pure.

export interface Net4 {
  /** network address, host bits zero */
  ip: number;
  len: number;
}

export function parseIP4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

export const formatIP4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export const mask4 = (len: number): number => (len === 0 ? 0 : (0xffff_ffff << (32 - len)) >>> 0);

/** "10.5.0.0/16"; host bits must be zero unless `loose` (then they are cleared). */
export function parseNet4(s: string, loose = false): Net4 | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  if (!m) return undefined;
  const ip = parseIP4(m[1]!), len = Number(m[2]);
  if (ip === undefined || len > 32) return undefined;
  const net = (ip & mask4(len)) >>> 0;
  if (net !== ip && !loose) return undefined;
  return { ip: net, len };
}

export const formatNet4 = (n: Net4): string => `${formatIP4(n.ip)}/${n.len}`;
export const size4 = (n: Net4): number => 2 ** (32 - n.len);
export const containsIP4 = (n: Net4, ip: number): boolean => ((ip & mask4(n.len)) >>> 0) === n.ip;
export const overlaps4 = (a: Net4, b: Net4): boolean => containsIP4(a, b.ip) || containsIP4(b, a.ip);
export const equalNet4 = (a: Net4, b: Net4): boolean => a.ip === b.ip && a.len === b.len;
/** the subnet of the same size right after `n` */
export const next4 = (n: Net4): Net4 => ({ ip: (n.ip + size4(n)) >>> 0, len: n.len });
