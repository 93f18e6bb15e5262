// tuning ADD: every check first (config, link, MTU range, each sysctl readable), then the
// originals saved, then the changes; a failure part-way restores the originals and removes
// the file, so a failed ADD leaves the container as it was.
import { badConf } from '../../lib/cni/conf';
import { internal } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import type { Result } from '../../lib/cni/types/current';
import { openNetns } from '../../lib/link';
import { type Link, type Netlink } from '../../lib/netlink';
import { type Undo, withUndo } from '../../lib/undo';
import { backupFile, originals, removeBackup, restore, writeBackup } from './backup';
import { loadConfig, type TuningConf } from './config';

export async function add(args: CmdArgs): Promise<Result> {
  const conf = loadConfig(args, { allowlist: true });
  if (!conf.prevResult) throw internal('Required prevResult missing');
  const nl = openNetns(args.netns);
  try {
    return await withUndo((undo) => apply(nl, conf, args, undo), (line) => args.stderr(`${line}\n`));
  } finally {
    nl.close();
  }
}

const changesLink = (c: TuningConf): boolean => !!c.mac || c.promisc || c.mtu !== 0 || c.allmulti !== undefined || c.txQLen !== undefined;

async function apply(nl: Netlink, conf: TuningConf, args: CmdArgs, undo: Undo): Promise<Result> {
  const link = changesLink(conf) ? findLink(nl, args.ifName) : nl.findLink(args.ifName);
  if (link && conf.mtu && link.maxMtu && (conf.mtu < (link.minMtu ?? 0) || conf.mtu > link.maxMtu)) {
    throw badConf('mtu', `invalid MTU ${conf.mtu} for ${args.ifName} (must be between ${link.minMtu ?? 0} and ${link.maxMtu})`);
  }
  const before: Record<string, string> = {};
  for (const s of conf.sysctls) {
    try {
      before[s.path] = nl.sysctl(s.path);
    } catch (err) {
      throw badConf(s.field, `cannot read /proc/sys/${s.path} in the container's network namespace: ${(err as Error).message}`);
    }
  }
  const saved = originals(conf, link, before);
  if (Object.keys(saved).length) {
    const file = backupFile(conf.dataDir, args.containerID, args.ifName);
    writeBackup(file, saved);
    undo.push('tuning', () => {
      const errors = restore(nl, link?.index ?? 0, saved);
      if (errors.length) throw new Error(errors.join('; '));
      removeBackup(file);
    });
  }
  for (const s of conf.sysctls) {
    try {
      nl.sysctl(s.path, s.value);
    } catch (err) {
      throw internal(`failed to set ${s.key} (/proc/sys/${s.path}) to ${JSON.stringify(s.value)}: ${(err as Error).message}`);
    }
  }
  const prev = conf.prevResult!;
  if (link) {
    const set = (what: string, change: Parameters<Netlink['setLink']>[1]): void => {
      try {
        nl.setLink(link.index, change);
      } catch (err) {
        throw internal(`failed to set ${what} of ${JSON.stringify(args.ifName)}: ${(err as Error).message}`);
      }
    };
    if (conf.mac) {
      set('MAC address', { mac: conf.mac.value });
      for (const i of prev.interfaces ?? []) if (i.name === args.ifName) i.mac = conf.mac.value;
    }
    if (conf.promisc) set('promiscuous mode', { promisc: true });
    if (conf.mtu) set('MTU', { mtu: conf.mtu });
    if (conf.allmulti !== undefined) set('all-multicast mode', { allmulti: conf.allmulti });
    if (conf.txQLen !== undefined) set('transmit queue length', { txQueueLen: conf.txQLen });
  }
  return prev;
}

function findLink(nl: Netlink, ifName: string): Link {
  const link = nl.findLink(ifName);
  if (!link) throw internal(`failed to get ${JSON.stringify(ifName)}: Link not found`);
  return link;
}
