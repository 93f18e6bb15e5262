// The verb frames macvlan and ipvlan share (the halves macvlan.go and ipvlan.go copy from
// each other): ADD's netns handles and undo stack, and DEL, STATUS and GC.
import { delegate } from '../cni/invoke';
import type { CmdArgs, PluginFuncs } from '../cni/plugin';
import type { Result } from '../cni/types/current';
import { type Netlink, openNetlink } from '../netlink';
import { type Undo, withUndo } from '../undo';
import { delFromNetns, openNetns } from './netns';

/**
 * ADD's frame for macvlan and ipvlan: handles on the container netns (and the host's,
 * unless the master lives in the container), and an undo stack around `attach`.
 */
export async function addWithUndo(
  args: CmdArgs,
  linkInContainer: boolean,
  attach: (host: Netlink | undefined, cont: Netlink, undo: Undo) => Promise<Result>,
): Promise<Result> {
  const cont = openNetns(args.netns);
  let host: Netlink | undefined;
  try {
    if (!linkInContainer) host = openNetlink(null);
    const h = host;
    return await withUndo((undo) => attach(h, cont, undo), (line) => args.stderr(`${line}\n`));
  } finally {
    host?.close();
    cont.close();
  }
}

/**
 * DEL, STATUS and GC of a plugin whose state is one link in the container and an IPAM
 * lease. DEL reads no more of the config than the IPAM type (no master lookup), so it
 * succeeds whatever became of the master, the netns or the link; link first, then lease.
 */
export function linkPluginVerbs(loadIpamType: (args: CmdArgs) => string): Pick<PluginFuncs, 'del' | 'status' | 'gc'> {
  const forward = (verb: 'STATUS' | 'GC') => async (args: CmdArgs): Promise<void> => {
    const ipamType = loadIpamType(args);
    if (ipamType) await delegate(ipamType, verb, args);
  };
  return {
    async del(args) {
      const ipamType = loadIpamType(args);
      delFromNetns(args.netns, args.ifName);
      if (ipamType) await delegate(ipamType, 'DEL', args);
    },
    status: forward('STATUS'),
    // beyond the reference (no GC): IPAM releases the stale leases
    gc: forward('GC'),
  };
}

