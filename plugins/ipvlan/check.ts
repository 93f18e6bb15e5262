// ipvlan CHECK: prevResult against the kernel — a configured master exists (and the MTU
// still fits it), the container link exists, is an ipvlan of the configured mode and flag
// with prevResult's MAC, and has its addresses and routes. Without `master` the link's
// existence vouches for its lower device (the reference fails every such CHECK).
import { delegate } from '../../lib/cni/invoke';
import { internal } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { checkContainer, checkMtu, findMaster, openNetns } from '../../lib/link-plugins';
import { withNetns } from '../../lib/netlink';
import { loadConfig } from './config';

export async function check(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  if (conf.ipamType) await delegate(conf.ipamType, 'CHECK', args);
  const prev = conf.prevResult;
  if (!prev) throw internal('required prevResult missing');
  const cont = openNetns(args.netns);
  try {
    if (conf.master) {
      const master = conf.linkInContainer ? findMaster(cont, conf.master, args.netns) : await withNetns(null, (h) => findMaster(h, conf.master, 'the host netns'));
      checkMtu(conf.mtu, master);
    }
    checkContainer(cont, prev, args.netns, args.ifName, 'ipvlan', { mode: conf.mode, flag: conf.flag });
  } finally {
    cont.close();
  }
}
