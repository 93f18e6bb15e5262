// host-local IPAM verbs (main.go) plus GC and STATUS, which the reference lacks.
import { CniError, Code, internal } from '../../lib/cni/errors';
import type { CmdArgs, PluginFuncs } from '../../lib/cni/plugin';
import { type IPConfig, type Result, currentVersion } from '../../lib/cni/types/current';
import { IPAllocator } from './allocator';
import { type HostLocalConfig, loadConfig } from './config';
import { DiskStore } from './disk-store';
import { parseResolvConf } from './dns';
import { type IPNum, formatIPNum, ipNumEqual, parseIPNum } from '../../lib/ip';
import { rangeCapacity, rangeContains } from './range';
import { setContains, setString } from './range-set';
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

/** One address per range set; requested IPs go to the first set containing them. */
function add(open: StoreFactory, args: CmdArgs): Result {
  const conf = loadConfig(args);
  const result: Result = { cniVersion: currentVersion };
  if (conf.resolvConf) result.dns = parseResolvConf(conf.resolvConf);
  return withStore(open, conf, (store) => {
    const allocs: IPAllocator[] = [];
    const releaseAll = (): void => {
      for (const a of allocs) {
        try {
          a.release(args.containerID, args.ifName);
        } catch {
          // best effort, as the reference
        }
      }
    };
    // keyed by text: the same address requested twice is one request
    const pending = new Map<string, IPNum>();
    for (const ip of conf.requestedIPs) if (!pending.has(formatIPNum(ip))) pending.set(formatIPNum(ip), ip);
    const ips: IPConfig[] = [];
    conf.ranges.forEach((set, idx) => {
      const alloc = new IPAllocator(set, store, idx);
      let requested: IPNum | undefined;
      for (const [key, ip] of pending) {
        if (setContains(set, ip)) {
          requested = ip;
          pending.delete(key);
          break;
        }
      }
      try {
        ips.push(alloc.get(args.containerID, args.ifName, requested));
      } catch (err) {
        releaseAll();
        throw internal(`failed to allocate for range ${idx}: ${errText(err)}`, err);
      }
      allocs.push(alloc);
    });
    if (pending.size > 0) {
      releaseAll();
      throw internal(`failed to allocate all requested IPs: ${[...pending.keys()].join(' ')}`);
    }
    result.ips = ips;
    if (conf.routes.length > 0) result.routes = conf.routes;
    return result;
  });
}

/** Releases what (containerID, ifname) holds, once per range set as the reference; idempotent. */
function del(open: StoreFactory, args: CmdArgs): void {
  const conf = loadConfig(args);
  withStore(open, conf, (store) => {
    const errs: string[] = [];
    conf.ranges.forEach((set, idx) => {
      try {
        new IPAllocator(set, store, idx).release(args.containerID, args.ifName);
      } catch (err) {
        errs.push(errText(err));
      }
    });
    if (errs.length > 0) throw internal(errs.join(';'));
  });
}

function check(open: StoreFactory, args: CmdArgs): void {
  const conf = loadConfig(args);
  const found = withStore(open, conf, (store) => locked(store, () => store.findByID(args.containerID, args.ifName)));
  if (!found) throw internal(`host-local: Failed to find address added by container ${args.containerID}`);
}

/**
 * Releases every lease whose attachment is not in cni.dev/valid-attachments
 * (legacy leases holding only a container ID: kept if that ID is listed).
 * Without the key there is nothing to compare with, so nothing is released.
 */
function gc(open: StoreFactory, args: CmdArgs): void {
  const conf = loadConfig(args);
  const valid = conf.validAttachments;
  if (!valid) return;
  const keys = new Set(valid.map((a) => goTrimSpace(leaseContent(a.containerID, a.ifname))));
  const ids = new Set(valid.map((a) => goTrimSpace(a.containerID)));
  withStore(open, conf, (store) =>
    locked(store, () => {
      for (const lease of store.listAll()) {
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
  conf.ranges.forEach((set, idx) => {
    let free = 0n;
    for (const r of set) {
      let taken = 0n;
      for (const ip of used.values()) if (rangeContains(r, ip) && !ipNumEqual(ip, r.gateway)) taken++;
      free += rangeCapacity(r) - taken;
    }
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
