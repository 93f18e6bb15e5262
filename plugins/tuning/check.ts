// tuning CHECK: every configured value against the container (the reference's cmdCheck):
// sysctls, MAC, promisc (off when not configured), MTU, allmulti, txQLen.
import { internal } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { openNetns } from '../../lib/link';
import { IFF } from '../../lib/netlink';
import { loadConfig } from './config';

export async function check(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args, { allowlist: false });
  if (!conf.prevResult) throw internal('Required prevResult missing');
  const nl = openNetns(args.netns);
  try {
    for (const s of conf.sysctls) {
      let have: string;
      try {
        have = nl.sysctl(s.path);
      } catch (err) {
        throw internal(`cannot read /proc/sys/${s.path}: ${(err as Error).message}`);
      }
      if (have !== s.value) throw internal(`Error: Tuning configured value of /proc/sys/${s.path} is ${s.value}, current value is ${have}`);
    }
    const link = nl.findLink(args.ifName);
    if (!link) throw internal(`Cannot find container link ${args.ifName}`);
    if (conf.mac && conf.mac.value !== link.mac) {
      throw internal(`Error: Tuning configured Ethernet of ${args.ifName} is ${conf.mac.value}, current value is ${link.mac ?? ''}`);
    }
    const promisc = (link.flags & IFF.PROMISC) !== 0;
    if (promisc !== conf.promisc) {
      throw internal(`Error: Tuning link ${args.ifName} configured promisc is ${conf.promisc}, current value is ${promisc ? 1 : 0}`);
    }
    if (conf.mtu && conf.mtu !== link.mtu) throw internal(`Error: Tuning configured MTU of ${args.ifName} is ${conf.mtu}, current value is ${link.mtu ?? 0}`);
    const allmulti = (link.flags & IFF.ALLMULTI) !== 0;
    if (conf.allmulti !== undefined && conf.allmulti !== allmulti) {
      throw internal(`Error: Tuning configured all-multicast mode of ${args.ifName} is ${conf.allmulti}, current value is ${allmulti}`);
    }
    if (conf.txQLen !== undefined && conf.txQLen !== link.txQueueLen) {
      throw internal(`Error: Tuning configured Transmit Queue Length of ${args.ifName} is ${conf.txQLen}, current value is ${link.txQueueLen ?? 0}`);
    }
  } finally {
    nl.close();
  }
}
