// In-memory Store with the disk store's matching rules, for unit tests.
import { type Lease, type Store, goTrimSpace, leaseContent, parseLeaseContent } from './store';

export class FakeStore implements Store {
  /** ip -> raw lease content */
  readonly leases = new Map<string, string>();
  readonly lastReserved = new Map<number, string>();
  locked = 0;
  closed = false;

  constructor(leases: Record<string, string> = {}, lastReserved: Record<number, string> = {}) {
    for (const [ip, content] of Object.entries(leases)) this.leases.set(ip, content);
    for (const [idx, ip] of Object.entries(lastReserved)) this.lastReserved.set(Number(idx), ip);
  }

  lock(): void {
    if (this.locked) throw new Error('FakeStore: lock taken twice');
    this.locked++;
  }

  unlock(): void {
    this.locked = 0;
  }

  reserve(id: string, ifname: string, ip: string, rangeSetIndex: number): boolean {
    if (this.leases.has(ip)) return false;
    this.leases.set(ip, leaseContent(id, ifname));
    this.lastReserved.set(rangeSetIndex, ip);
    return true;
  }

  lastReservedIP(rangeSetIndex: number): string | undefined {
    return this.lastReserved.get(rangeSetIndex);
  }

  private matching(key: string): string[] {
    return this.sorted().filter(([, c]) => goTrimSpace(c) === key).map(([ip]) => ip);
  }

  private sorted(): [string, string][] {
    return [...this.leases.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  releaseByID(id: string, ifname: string): void {
    let found = this.matching(leaseContent(id, ifname));
    if (found.length === 0) found = this.matching(goTrimSpace(id));
    for (const ip of found) this.leases.delete(ip);
  }

  findByID(id: string, ifname: string): boolean {
    return this.matching(leaseContent(id, ifname)).length > 0 || this.matching(goTrimSpace(id)).length > 0;
  }

  getByID(id: string, ifname: string): string[] {
    const keys = [leaseContent(id, ifname), goTrimSpace(id)];
    return this.sorted().filter(([, c]) => keys.includes(goTrimSpace(c))).map(([ip]) => ip);
  }

  listAll(): Lease[] {
    return this.sorted().map(([ip, c]) => ({ ip, ...parseLeaseContent(c) }));
  }

  listIPs(): string[] {
    return this.sorted().map(([ip]) => ip);
  }

  release(ip: string): void {
    this.leases.delete(ip);
  }

  close(): void {
    this.closed = true;
  }
}
