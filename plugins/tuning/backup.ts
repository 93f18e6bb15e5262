// The originals ADD replaces, in the reference's file and format (configToRestore marshalled
// with one-space indent, empty fields left out) at <dataDir>/<containerID>_<ifname>.json, so
// a DEL by either implementation restores an ADD by the other. `sysctl` (ours; Go's decoder
// ignores it) holds the sysctls' former values by their path below /proc/sys.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IFF, type Link, type Netlink } from '../../lib/netlink';
import type { TuningConf } from './config';

export interface Saved {
  mac?: string;
  promisc?: boolean;
  mtu?: number;
  allmulti?: boolean;
  txQLen?: number;
  sysctl?: Record<string, string>;
}

export const backupFile = (dataDir: string, containerID: string, ifName: string): string => join(dataDir, `${containerID}_${ifName}.json`);

/** What the link (undefined: sysctls only) has now of every attribute conf changes (createBackup), in the reference's key order. */
export function originals(conf: TuningConf, link: Link | undefined, sysctls: Record<string, string>): Saved {
  const s: Saved = {};
  if (link) {
    if (conf.mac && link.mac) s.mac = link.mac;
    if (conf.promisc) s.promisc = (link.flags & IFF.PROMISC) !== 0;
    if (conf.mtu && link.mtu) s.mtu = link.mtu;
    if (conf.allmulti !== undefined) s.allmulti = (link.flags & IFF.ALLMULTI) !== 0;
    if (conf.txQLen !== undefined) s.txQLen = link.txQueueLen ?? 0;
  }
  if (Object.keys(sysctls).length) s.sysctl = Object.fromEntries(Object.entries(sysctls).sort(([a], [b]) => (a < b ? -1 : 1)));
  return s;
}

export function writeBackup(file: string, saved: Saved): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(saved, null, 1), { mode: 0o600 });
}

/** The saved originals; undefined when there is no file, or it is unreadable JSON (the reference then restores nothing). */
export function readBackup(file: string): Saved | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Saved : undefined;
  } catch {
    return undefined;
  }
}

export const removeBackup = (file: string): void => rmSync(file, { force: true });

/**
 * restoreBackup: MTU, MAC, promisc, allmulti, txQLen in the reference's order, then our
 * sysctls; every step is tried. Returns the failures (the file stays when there are any).
 */
export function restore(nl: Netlink, index: number, s: Saved): string[] {
  const errors: string[] = [];
  const attempt = (what: string, fn: () => void): void => {
    try { fn(); } catch (err) { errors.push(`failed to restore ${what}: ${(err as Error).message}`); }
  };
  if (typeof s.mtu === 'number' && s.mtu !== 0) attempt('MTU', () => nl.setLink(index, { mtu: s.mtu! }));
  if (typeof s.mac === 'string' && s.mac) attempt('MAC address', () => nl.setLink(index, { mac: s.mac! }));
  if (typeof s.promisc === 'boolean') attempt('promiscuous mode', () => nl.setLink(index, { promisc: s.promisc! }));
  if (typeof s.allmulti === 'boolean') attempt('all-multicast mode', () => nl.setLink(index, { allmulti: s.allmulti! }));
  if (typeof s.txQLen === 'number') attempt('transmit queue length', () => nl.setLink(index, { txQueueLen: s.txQLen! }));
  for (const [path, value] of Object.entries(s.sysctl ?? {})) {
    // only ever below net/: a tampered file must not reach the rest of /proc/sys
    if (!path.startsWith('net/') || path.split('/').includes('..')) continue;
    attempt(`sysctl ${path}`, () => nl.sysctl(path, value));
  }
  return errors;
}
