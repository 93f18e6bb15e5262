// One allocation range (allocator/range.go): canonicalisation with the
// reference's defaults and checks, membership and overlap. Pure arithmetic.
import { type CIDR, type IP, bitsOf, formatIP, formatIPNet, ipCmp, ipEqual, maskOf } from './ip';

export interface Range {
  /** network address (host bits are rejected) */
  subnet: IP;
  prefix: number;
  /** first allocatable address, inclusive */
  rangeStart: IP;
  /** last allocatable address, inclusive */
  rangeEnd: IP;
  /** never handed out; may lie outside the subnet (the reference does not check it) */
  gateway: IP;
}

export interface RangeInput {
  subnet: CIDR;
  rangeStart?: IP;
  rangeEnd?: IP;
  gateway?: IP;
}

/** A configuration error about one key of a range (or of a range set when key is ''). */
export class FieldError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** net.IPNet.Contains with canonical addresses */
function inSubnet(subnet: IP, prefix: number, ip: IP): boolean {
  if (ip.v6 !== subnet.v6) return false;
  const m = maskOf(prefix, bitsOf(ip));
  return (ip.n & m) === (subnet.n & m);
}

/** Range.Contains; start/end may still be unset while canonicalising */
function contains(subnet: IP, prefix: number, start: IP | undefined, end: IP | undefined, ip: IP): boolean {
  if (!inSubnet(subnet, prefix, ip)) return false;
  if (start && ipCmp(ip, start) < 0) return false;
  if (end && ipCmp(ip, end) > 0) return false;
  return true;
}

export function rangeContains(r: Range, ip: IP): boolean {
  return contains(r.subnet, r.prefix, r.rangeStart, r.rangeEnd, ip);
}

/** Last address of the subnet; for IPv4 the one before the broadcast address. */
export function lastIP(subnet: IP, prefix: number): IP {
  const bits = bitsOf(subnet);
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const last = subnet.n | host;
  return { v6: subnet.v6, n: subnet.v6 ? last : last - 1n };
}

/** Range.Canonicalize: fills defaults and validates, throwing FieldError naming the key. */
export function canonicalizeRange(input: RangeInput): Range {
  const { ip, prefix, bits } = input.subnet;
  if (prefix > bits - 2) {
    throw new FieldError('subnet', `Network ${formatIPNet(ip, prefix, bits)} too small to allocate from`);
  }
  if (bitsOf(ip) !== bits) throw new FieldError('subnet', 'IPNet IP and Mask version mismatch');
  const network: IP = { v6: ip.v6, n: ip.n & maskOf(prefix, bits) };
  if (!ipEqual(ip, network)) {
    throw new FieldError(
      'subnet',
      `Network has host bits set. For a subnet mask of length ${prefix} the network address is ${formatIP(network)}`,
    );
  }
  const sn = formatIPNet(network, prefix, bits);
  const first: IP = { v6: network.v6, n: network.n + 1n };
  const gateway = input.gateway ?? first;

  const start = input.rangeStart;
  if (start && !contains(network, prefix, start, input.rangeEnd, start)) {
    throw new FieldError('rangeStart', `RangeStart ${formatIP(start)} not in network ${sn}`);
  }
  const rangeStart = start ?? first;

  const end = input.rangeEnd;
  if (end && !contains(network, prefix, rangeStart, end, end)) {
    throw new FieldError('rangeEnd', `RangeEnd ${formatIP(end)} not in network ${sn}`);
  }
  const rangeEnd = end ?? lastIP(network, prefix);
  return { subnet: network, prefix, rangeStart, rangeEnd, gateway };
}

/** Range.Overlaps: false across families; symmetric. */
export function rangesOverlap(a: Range, b: Range): boolean {
  if (a.rangeStart.v6 !== b.rangeStart.v6) return false;
  return (
    rangeContains(a, b.rangeStart) ||
    rangeContains(a, b.rangeEnd) ||
    rangeContains(b, a.rangeStart) ||
    rangeContains(b, a.rangeEnd)
  );
}

export function rangeString(r: Range): string {
  return `${formatIP(r.rangeStart)}-${formatIP(r.rangeEnd)}`;
}

/** Number of addresses the iterator can hand out (gateway excluded). */
export function rangeCapacity(r: Range): bigint {
  const size = r.rangeEnd.n - r.rangeStart.n + 1n;
  return rangeContains(r, r.gateway) ? size - 1n : size;
}
