// One allocation range (allocator/range.go): canonicalisation with the
// reference's defaults and checks, membership and overlap. Pure arithmetic.
import { type CIDRNum, type IPNum, bitsOf, compareIPNum, formatCIDRNum, formatIPNum, ipNumEqual, maskOf, nextIPNum } from '../../lib/ip';

export interface Range {
  /** network address (host bits are rejected) */
  subnet: IPNum;
  prefix: number;
  /** first allocatable address, inclusive */
  rangeStart: IPNum;
  /** last allocatable address, inclusive */
  rangeEnd: IPNum;
  /** never handed out; may lie outside the subnet (the reference does not check it) */
  gateway: IPNum;
}

export interface RangeInput {
  subnet: CIDRNum;
  rangeStart?: IPNum | undefined;
  rangeEnd?: IPNum | undefined;
  gateway?: IPNum | undefined;
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
function inSubnet(subnet: IPNum, prefix: number, ip: IPNum): boolean {
  if (ip.v6 !== subnet.v6) return false;
  const m = maskOf(prefix, bitsOf(ip));
  return (ip.n & m) === (subnet.n & m);
}

/** Range.Contains; start/end may still be unset while canonicalising */
function contains(subnet: IPNum, prefix: number, start: IPNum | undefined, end: IPNum | undefined, ip: IPNum): boolean {
  if (!inSubnet(subnet, prefix, ip)) return false;
  if (start && compareIPNum(ip, start) < 0) return false;
  if (end && compareIPNum(ip, end) > 0) return false;
  return true;
}

export function rangeContains(r: Range, ip: IPNum): boolean {
  return contains(r.subnet, r.prefix, r.rangeStart, r.rangeEnd, ip);
}

/** Last address of the subnet; for IPv4 the one before the broadcast address. */
export function lastIP(subnet: IPNum, prefix: number): IPNum {
  const bits = bitsOf(subnet);
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const last = subnet.n | host;
  return { v6: subnet.v6, n: subnet.v6 ? last : last - 1n };
}

/** Range.Canonicalize: fills defaults and validates, throwing FieldError naming the key. */
export function canonicalizeRange(input: RangeInput): Range {
  const { ip, prefix, bits } = input.subnet;
  if (prefix > bits - 2) {
    throw new FieldError('subnet', `Network ${formatCIDRNum(ip, prefix, bits)} too small to allocate from`);
  }
  if (bitsOf(ip) !== bits) throw new FieldError('subnet', 'IPNet IP and Mask version mismatch');
  const network: IPNum = { v6: ip.v6, n: ip.n & maskOf(prefix, bits) };
  if (!ipNumEqual(ip, network)) {
    throw new FieldError(
      'subnet',
      `Network has host bits set. For a subnet mask of length ${prefix} the network address is ${formatIPNum(network)}`,
    );
  }
  const sn = formatCIDRNum(network, prefix, bits);
  const first = nextIPNum(network);
  const gateway = input.gateway ?? first;

  const start = input.rangeStart;
  if (start && !contains(network, prefix, start, input.rangeEnd, start)) {
    throw new FieldError('rangeStart', `RangeStart ${formatIPNum(start)} not in network ${sn}`);
  }
  const rangeStart = start ?? first;

  const end = input.rangeEnd;
  if (end && !contains(network, prefix, rangeStart, end, end)) {
    throw new FieldError('rangeEnd', `RangeEnd ${formatIPNum(end)} not in network ${sn}`);
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
  return `${formatIPNum(r.rangeStart)}-${formatIPNum(r.rangeEnd)}`;
}

/** Number of addresses the iterator can hand out (gateway excluded). */
export function rangeCapacity(r: Range): bigint {
  const size = r.rangeEnd.n - r.rangeStart.n + 1n;
  return rangeContains(r, r.gateway) ? size - 1n : size;
}
