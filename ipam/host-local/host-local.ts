// host-local IPAM verbs (main.go) plus GC and STATUS, which the reference lacks.
import { CniError, Code, internal } from '../../lib/cni/errors';
import type { CmdArgs, PluginFuncs } from '../../lib/cni/plugin';
import { type IPConfig, type Result, currentVersion } from '../../lib/cni/types/current';
import { IPAllocator } from './allocator';
import { type HostLocalConfig, loadConfig } from './config';
import { DiskStore } from './disk-store';
import { parseResolvConf } from './dns';
import { type IPNum, formatIPNum, ipNumEqual, parseIPNum } from '../../lib/ip';
import { type Range, rangeCapacity } from './range';
import { RangeIndex } from './range-index';
import { setString } from './range-set';
import { type Store, type StoreFactory, goTrimSpace, leaseContent } from './store';

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const diskStoreFactory: StoreFactory = (network, dataDir) => new DiskStore(network, dataDir);

function withStore<T>(open: StoreFactory, conf: HostLocalConfig, fn: (store: Store) => T): T {
  const store = open(conf.name, conf.dataDir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function locked<T>(store: Store, fn: () => T): T {
  store.lock();
  try {
    return fn();
  } finally {
    store.unlock();
  }
}

/**
 * One address per range set; requested IPs go to the first set containing them. The store
 * lock is held for the whole ADD, and the leases are read once for all sets (the reference
 * locks and reads them once per set: quadratic in the number of sets).
 */
function add(open: StoreFactory, args: CmdArgs): Result {
  const conf = loadConfig(args);
  const result: Result = { cniVersion: currentVersion };
  if (conf.resolvConf) result.dns = parseResolvConf(conf.resolvConf);
  const index = new RangeIndex(conf.ranges);
  const { bySet: requested, unplaced } = placeRequested(conf.requestedIPs, index);
  return withStore(open, conf, (store) => locked(store, () => {
    const { containerID: id, ifName } = args;
    const held = heldBySet(store.getByID(id, ifName), index);
    const ips: IPConfig[] = [];
    conf.ranges.forEach((set, idx) => {
      try {
        ips.push(new IPAllocator(set, store, idx).allocate(id, ifName, requested.get(idx), held.get(idx)));
      } catch (err) {
        releaseAttachment(store, id, ifName, idx);
        throw internal(`failed to allocate for range ${idx}: ${errText(err)}`, err);
      }
    });
    if (unplaced.length > 0) {
      releaseAttachment(store, id, ifName, conf.ranges.length);
      throw internal(`failed to allocate all requested IPs: ${unplaced.join(' ')}`);
    }
    result.ips = ips;
    if (conf.routes.length > 0) result.routes = conf.routes;
    return result;
  }));
}

/**
 * Each requested address (the same text twice is one request) goes to the range set that
 * holds it, the first one asked for winning; the others are reported as not allocated.
 */
function placeRequested(requestedIPs: readonly IPNum[], index: RangeIndex): { bySet: Map<number, IPNum>; unplaced: string[] } {
  const bySet = new Map<number, IPNum>();
  const unplaced: string[] = [];
  const seen = new Set<string>();
  for (const ip of requestedIPs) {
    const key = formatIPNum(ip);
    if (seen.has(key)) continue;
    seen.add(key);
    const at = index.find(ip);
    if (at && !bySet.has(at.set)) bySet.set(at.set, ip);
    else unplaced.push(key);
  }
  return { bySet, unplaced };
}

/** Per range set, the first address (in name order) the attachment already holds there. */
function heldBySet(names: readonly string[], index: RangeIndex): Map<number, IPNum> {
  const held = new Map<number, IPNum>();
  for (const name of names) {
    const ip = parseIPNum(name);
    const at = ip && index.find(ip);
    if (ip && at && !held.has(at.set)) held.set(at.set, ip);
  }
  return held;
}

/**
 * What the reference's one ReleaseByID per range set does, in at most two calls: the first
 * frees the attachment's leases (or, if it has none, the legacy ones holding only its
 * container ID), the second the legacy ones; any further call finds nothing. Lock held.
 * Returns the errors, each call being tried.
 */
function releaseAttachment(store: Store, id: string, ifname: string, sets: number): string[] {
  const errs: string[] = [];
  for (let i = 0; i < Math.min(sets, 2); i++) {
    try {
      store.releaseByID(id, ifname);
    } catch (err) {
      errs.push(errText(err));
    }
  }
  return errs;
}

/** Releases what (containerID, ifname) holds, as the reference's once per range set; idempotent. */
function del(open: StoreFactory, args: CmdArgs): void {
  const conf = loadConfig(args);
  const errs = withStore(open, conf, (store) => locked(store, () => releaseAttachment(store, args.containerID, args.ifName, conf.ranges.length)));
  if (errs.length > 0) throw internal(errs.join(';'));
}

function check(open: StoreFactory, args: CmdArgs): void {
  const conf = loadConfig(args);
  const found = withStore(open, conf, (store) => locked(store, () => store.findByID(args.containerID, args.ifName)));
  if (!found) throw internal(`host-local: Failed to find address added by container ${args.containerID}`);
}

/**
 * Releases every lease of this config's range sets whose attachment is not in
 * cni.dev/valid-attachments (legacy leases holding only a container ID: kept if that ID is
 * listed). Without the key there is nothing to compare with, so nothing is released.
 *
 * Leases outside this config's range sets are never released: the directory is keyed by
 * network name and dataDir only, so another config with the same name (another runtime's, or
 * one in another conf dir) may share it, and the runtime's list names only the attachments
 * of the config it was given. What GC cannot prove to be its own it leaves to its owner's
 * DEL and GC. Leases of ranges removed from the config are still freed by their DEL.
 */
function gc(open: StoreFactory, args: CmdArgs): void {
  const conf = loadConfig(args);
  const valid = conf.validAttachments;
  if (!valid) return;
  const keys = new Set(valid.map((a) => goTrimSpace(leaseContent(a.containerID, a.ifname))));
  const ids = new Set(valid.map((a) => goTrimSpace(a.containerID)));
  const index = new RangeIndex(conf.ranges);
  const ours = (name: string): boolean => {
    const ip = parseIPNum(name);
    return ip !== undefined && index.find(ip) !== undefined;
  };
  withStore(open, conf, (store) =>
    locked(store, () => {
      for (const lease of store.listAll()) {
        if (!ours(lease.ip)) continue;
        const keep =
          lease.ifname === undefined ? ids.has(lease.containerID) : keys.has(leaseContent(lease.containerID, lease.ifname));
        if (!keep) store.release(lease.ip);
      }
    }),
  );
}

/** Code 50 when a range set has no address left to hand out. */
function status(open: StoreFactory, args: CmdArgs): void {
  const conf = loadConfig(args);
  const names = withStore(open, conf, (store) => locked(store, () => store.listIPs()));
  const used = new Map<string, IPNum>();
  for (const name of names) {
    const ip = parseIPNum(name);
    if (ip) used.set(formatIPNum(ip), ip);
  }
  // leases counted per range through the index: linear in leases plus ranges
  const index = new RangeIndex(conf.ranges);
  const taken = new Map<Range, bigint>();
  for (const ip of used.values()) {
    const at = index.find(ip);
    if (at && !ipNumEqual(ip, at.range.gateway)) taken.set(at.range, (taken.get(at.range) ?? 0n) + 1n);
  }
  conf.ranges.forEach((set, idx) => {
    let free = 0n;
    for (const r of set) free += rangeCapacity(r) - (taken.get(r) ?? 0n);
    if (free <= 0n) {
      throw new CniError(Code.PluginNotAvailable, `no IP addresses available in range set ${idx} (${setString(set)})`);
    }
  });
}

/** The verbs over a store factory (tests inject a FakeStore). */
export function makeHostLocalFuncs(open: StoreFactory = diskStoreFactory): PluginFuncs {
  return {
    add: async (args) => add(open, args),
    del: async (args) => del(open, args),
    check: async (args) => check(open, args),
    gc: async (args) => gc(open, args),
    status: async (args) => status(open, args),
  };
}

export const hostLocalFuncs: PluginFuncs = makeHostLocalFuncs();
