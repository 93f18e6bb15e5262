// IPAllocator (allocator/allocator.go): one range set, one store, one
// last_reserved_ip index. Every operation holds the store lock.
import { internal } from '../../lib/cni/errors';
import type { IPConfig } from '../../lib/cni/types/current';
import { type IPNum, formatIPNum, ipNumEqual, parseIPNum } from '../../lib/ip';
import { type RangeSet, RangeIter, notInSet, rangeFor, setString } from './range-set';
import type { Store } from './store';

export class IPAllocator {
  constructor(
    private readonly set: RangeSet,
    private readonly store: Store,
    private readonly rangeID: number,
  ) {}

  /** Allocates one address of the set for (id, ifname): the requested one, else the next free one round robin. */
  get(id: string, ifname: string, requested?: IPNum): IPConfig {
    this.store.lock();
    try {
      if (requested) return this.getRequested(id, ifname, requested);
      const held = this.store.getByID(id, ifname).map(parseIPNum).find((ip) => ip && rangeFor(this.set, ip));
      return this.getNext(id, ifname, held);
    } finally {
      this.store.unlock();
    }
  }

  /**
   * get() for a caller that holds the store lock and has already looked up the first
   * address (id, ifname) holds in this set, if any: host-local's ADD reads the leases once
   * for all its range sets instead of once per set.
   */
  allocate(id: string, ifname: string, requested: IPNum | undefined, held: IPNum | undefined): IPConfig {
    return requested ? this.getRequested(id, ifname, requested) : this.getNext(id, ifname, held);
  }

  private getRequested(id: string, ifname: string, ip: IPNum): IPConfig {
    const r = rangeFor(this.set, ip);
    if (!r) throw internal(notInSet(this.set, ip));
    if (ipNumEqual(ip, r.gateway)) throw internal(`requested ip ${formatIPNum(ip)} is subnet's gateway`);
    if (!this.store.reserve(id, ifname, formatIPNum(ip), this.rangeID)) {
      throw internal(`requested IP address ${formatIPNum(ip)} is not available in range set ${setString(this.set)}`);
    }
    return { address: `${formatIPNum(ip)}/${r.prefix}`, gateway: formatIPNum(r.gateway) };
  }

  private getNext(id: string, ifname: string, held: IPNum | undefined): IPConfig {
    // ADD is deliberately not idempotent: a second address for the same
    // attachment in this set is refused (duplicate allocation, PR #328)
    if (held) throw internal(`${formatIPNum(held)} has been allocated to ${id}, duplicate allocation is not allowed`);
    const iter = this.iter();
    for (let c = iter.next(); c; c = iter.next()) {
      if (this.store.reserve(id, ifname, formatIPNum(c.ip), this.rangeID)) {
        return { address: `${formatIPNum(c.ip)}/${c.range.prefix}`, gateway: formatIPNum(c.range.gateway) };
      }
    }
    throw internal(`no IP addresses available in range set: ${setString(this.set)}`);
  }

  /** GetIter: round robin from the last reserved address when it lies inside the set. */
  iter(): RangeIter {
    const raw = this.store.lastReservedIP(this.rangeID);
    const last = raw === undefined ? undefined : parseIPNum(raw);
    return new RangeIter(this.set, last);
  }

  /** Releases everything (id, ifname) holds in the network (not only in this set, as the reference). */
  release(id: string, ifname: string): void {
    this.store.lock();
    try {
      this.store.releaseByID(id, ifname);
    } finally {
      this.store.unlock();
    }
  }
}
