// ipvlan ADD: an ipvlan on the master (mode l2/l3/l3s, flag bridge/private/vepa), made
// straight into the container netns under a temporary name and renamed there, addresses
// from IPAM or, chained without IPAM, from prevResult. Unlike the reference, every step
// (the link included) is undone if a later one fails.
import { ipamAdd } from '../../lib/cni/invoke';
import type { CmdArgs } from '../../lib/cni/plugin';
import { currentVersion, type Result } from '../../lib/cni/types/current';
import { addWithUndo, configureIface, createOnMaster, trySysctl } from '../../lib/link';
import type { Netlink } from '../../lib/netlink';
import type { Undo } from '../../lib/undo';
import { type IpvlanConf, loadConfig } from './config';

export async function add(args: CmdArgs): Promise<Result> {
  const conf = loadConfig(args);
  return addWithUndo(args, conf.linkInContainer, (host, cont, undo) => attach(host, cont, conf, args, undo));
}

async function attach(host: Netlink | undefined, cont: Netlink, conf: IpvlanConf, args: CmdArgs, undo: Undo): Promise<Result> {
  const link = createOnMaster({ host, cont, netns: args.netns, ifName: args.ifName, kind: 'ipvlan' }, conf, (name, parent) => ({
    kind: 'ipvlan', name, parent, mode: conf.mode, flag: conf.flag, ...(conf.mtu && { mtu: conf.mtu }),
  }), undo);

  let from: Result;
  if (!conf.ipamType && conf.prevResult?.ips?.length) {
    from = conf.prevResult;
  } else {
    from = await ipamAdd(conf.ipamType, args, undo);
  }
  const result: Result = {
    cniVersion: currentVersion,
    interfaces: [{ name: args.ifName, mac: link.mac ?? '', sandbox: args.netns }],
    ips: (from.ips ?? []).map((ip) => ({ ...ip, interface: 0 })),
    ...(from.routes?.length && { routes: from.routes }),
    ...(from.dns && { dns: from.dns }),
  };
  trySysctl(cont, `net/ipv4/conf/${args.ifName}/arp_notify`, '1');
  trySysctl(cont, `net/ipv6/conf/${args.ifName}/ndisc_notify`, '1');
  await configureIface(cont, args.ifName, result);
  if (conf.dns) result.dns = conf.dns;
  result.interfaces = [{ name: args.ifName, mac: cont.linkByIndex(link.index).mac ?? '', sandbox: args.netns }];
  return result;
}
