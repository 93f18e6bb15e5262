// loopback DEL and CHECK. Like the reference, neither reads the config beyond what the skel
// checks (a DEL must work whatever prevResult it is given).
import { internal } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { openNetns } from '../../lib/link';
import { type Netlink, netnsExists, openNetlink } from '../../lib/netlink';

const LO = 'lo';

/** `lo` down; nothing to do without a netns, or when it is gone (kubernetes#43014). */
export async function del(args: CmdArgs): Promise<void> {
  if (!args.netns) return;
  let nl: Netlink;
  try {
    if (!netnsExists(args.netns)) return;
    nl = openNetlink(args.netns);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return; // deleted meanwhile
    throw internal((err as Error).message, err);
  }
  try {
    const link = nl.findLink(LO);
    if (link) nl.setLink(link.index, { up: false });
  } finally {
    nl.close();
  }
}

export async function check(args: CmdArgs): Promise<void> {
  const nl = openNetns(args.netns);
  try {
    if (!nl.linkByName(LO).up) throw internal('loopback interface is down');
  } finally {
    nl.close();
  }
}
