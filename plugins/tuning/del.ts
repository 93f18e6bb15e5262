// tuning DEL: restores what the saved file holds (whoever wrote it) and removes the file.
// Like the reference it never fails once the config parses; unlike it, the file is also
// removed when there is nothing left to restore (netns or interface gone), instead of leaking.
import type { CmdArgs } from '../../lib/cni/plugin';
import { type Netlink, netnsExists, openNetlink } from '../../lib/netlink';
import { backupFile, readBackup, removeBackup, restore } from './backup';
import { loadDataDir } from './config';

export async function del(args: CmdArgs): Promise<void> {
  const file = backupFile(loadDataDir(args), args.containerID, args.ifName);
  const saved = readBackup(file);
  if (!saved) return;
  const nl = openIfThere(args.netns);
  if (!nl) return removeBackup(file);
  try {
    const link = nl.findLink(args.ifName);
    if (!link) return removeBackup(file);
    const errors = restore(nl, link.index, saved);
    if (errors.length) {
      args.stderr(`tuning: ${errors.join('; ')}\n`); // the file stays for a later DEL, as in the reference
      return;
    }
    removeBackup(file);
  } finally {
    nl.close();
  }
}

/** A handle on the netns; undefined when there is none (empty CNI_NETNS, gone, not a netns). */
function openIfThere(netns: string): Netlink | undefined {
  if (!netns) return undefined;
  try {
    return netnsExists(netns) ? openNetlink(netns) : undefined;
  } catch {
    return undefined;
  }
}
