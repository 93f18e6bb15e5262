// The allocation store (backend/store.go), one per network. Methods do not lock
// by themselves: callers hold lock() around each operation, as the reference does.

export interface Lease {
  /** file name: the address in Go's canonical text form */
  ip: string;
  containerID: string;
  /** undefined for legacy leases that hold only the container ID */
  ifname?: string;
}

export interface Store {
  lock(): void;
  unlock(): void;
  /** Reserves ip for (id, ifname); false if already taken. Records it as last reserved of the set. */
  reserve(id: string, ifname: string, ip: string, rangeSetIndex: number): boolean;
  /** Raw text of the last reserved address of a range set, if recorded. */
  lastReservedIP(rangeSetIndex: number): string | undefined;
  /** Releases every lease of (id, ifname); if none, every legacy lease of id. */
  releaseByID(id: string, ifname: string): void;
  /** True if a lease of (id, ifname) exists, or else a legacy lease of id. */
  findByID(id: string, ifname: string): boolean;
  /** Addresses leased to (id, ifname) or (legacy) to id, in name order. */
  getByID(id: string, ifname: string): string[];
  /** Every lease, in name order. */
  listAll(): Lease[];
  /** The names of every lease file (addresses), in name order, without reading them. */
  listIPs(): string[];
  /** Releases one lease by address; a missing lease is not an error. */
  release(ip: string): void;
  close(): void;
}

export const defaultDataDir = '/var/lib/cni/networks';

export type StoreFactory = (network: string, dataDir: string) => Store;

const goSpace = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** strings.TrimSpace (Unicode White_Space, unlike String#trim without U+FEFF) */
export function goTrimSpace(s: string): string {
  return s.replace(goSpace, '');
}

export const LINE_BREAK = '\r\n';

/** What a lease file holds: "<id>\r\n<ifname>", the id trimmed. */
export function leaseContent(id: string, ifname: string): string {
  return goTrimSpace(id) + LINE_BREAK + ifname;
}

/** Splits trimmed lease content into its owner. */
export function parseLeaseContent(content: string): { containerID: string; ifname?: string } {
  const t = goTrimSpace(content);
  const i = t.indexOf(LINE_BREAK);
  return i < 0 ? { containerID: t } : { containerID: t.slice(0, i), ifname: t.slice(i + LINE_BREAK.length) };
}
