// A range set (allocator/range_set.go): ranges of one family that form one
// pool, plus the round-robin iterator of allocator.go (RangeIter).
import { type IPNum, formatIPNum, ipNumEqual, nextIPNum } from '../../lib/ip';
import { type Range, FieldError, rangeContains, rangesOverlap, rangeString } from './range';
import { findOverlap, sortedByFamily } from './range-index';

export type RangeSet = Range[];

/** RangeSet.RangeFor: the range holding ip, if any */
export function rangeFor(set: RangeSet, ip: IPNum): Range | undefined {
  return set.find((r) => rangeContains(r, ip));
}

export function setContains(set: RangeSet, ip: IPNum): boolean {
  return rangeFor(set, ip) !== undefined;
}

/** RangeSet.Overlaps: any range of one set overlaps any range of the other */
export function setsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.some((r) => b.some((r1) => rangesOverlap(r, r1)));
}

/** "start-end,start-end" */
export function setString(set: RangeSet): string {
  return set.map(rangeString).join(',');
}

/**
 * The set-level checks of RangeSet.Canonicalize (ranges already canonical):
 * non-empty, one family, no two ranges overlapping (one sort and sweep, not the
 * reference's pairwise loop). Throws FieldError with the index of the offending
 * range as key ('' for the set itself).
 */
export function checkRangeSet(set: RangeSet): void {
  if (set.length === 0) throw new FieldError('', 'empty range set');
  const fam = set[0]!.rangeStart.v6;
  set.forEach((r, i) => {
    if (r.rangeStart.v6 !== fam) throw new FieldError(`[${i}]`, 'mixed address families');
  });
  const { v4, v6 } = sortedByFamily(set.map((range, idx) => ({ set: 0, idx, range })));
  const pair = findOverlap(fam ? v6 : v4);
  if (pair) {
    const [a, b] = pair;
    throw new FieldError(`[${b.idx}]`, `subnets ${rangeString(a.range)} and ${rangeString(b.range)} overlap`);
  }
}

export interface Candidate {
  ip: IPNum;
  range: Range;
}

/**
 * RangeIter: starts after `last` when it lies inside the set (round robin),
 * else at the first range's rangeStart; walks each range to its rangeEnd, wraps
 * to the next range, skips gateways and stops once back at its first address.
 */
export class RangeIter {
  private rangeIdx = 0;
  private cur: IPNum | undefined;
  private startIP: IPNum | undefined;

  constructor(
    private readonly set: RangeSet,
    last?: IPNum,
  ) {
    if (last && setContains(set, last)) {
      this.rangeIdx = set.findIndex((r) => rangeContains(r, last));
      this.cur = last;
    }
  }

  next(): Candidate | undefined {
    for (;;) {
      let r = this.set[this.rangeIdx]!;
      if (this.cur === undefined) {
        this.cur = r.rangeStart;
        this.startIP = this.cur;
        if (ipNumEqual(this.cur, r.gateway)) continue;
        return { ip: this.cur, range: r };
      }
      if (ipNumEqual(this.cur, r.rangeEnd)) {
        this.rangeIdx = (this.rangeIdx + 1) % this.set.length;
        r = this.set[this.rangeIdx]!;
        this.cur = r.rangeStart;
      } else {
        this.cur = nextIPNum(this.cur);
      }
      if (this.startIP === undefined) this.startIP = this.cur;
      else if (ipNumEqual(this.cur, this.startIP)) return undefined;
      if (ipNumEqual(this.cur, r.gateway)) continue;
      return { ip: this.cur, range: r };
    }
  }
}

/** "<ip> not in range set <set>" (RangeFor's error) */
export function notInSet(set: RangeSet, ip: IPNum): string {
  return `${formatIPNum(ip)} not in range set ${setString(set)}`;
}
