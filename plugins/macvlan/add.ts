// macvlan ADD: a macvlan on the master, made straight into the container netns under a
// temporary name and renamed there, addresses from IPAM (none: L2 only, link up). Every
// step is undone if a later one fails; a result that cannot be printed is undone by the skel.
import { ipamAdd } from '../../lib/cni/invoke';
import type { CmdArgs } from '../../lib/cni/plugin';
import { currentVersion, type Result } from '../../lib/cni/types/current';
import { addWithUndo, configureIface, createOnMaster, trySysctl } from '../../lib/link';
import type { Netlink } from '../../lib/netlink';
import type { Undo } from '../../lib/undo';
import { type MacvlanConf, loadConfig } from './config';

export async function add(args: CmdArgs): Promise<Result> {
  const conf = loadConfig(args);
  return addWithUndo(args, conf.linkInContainer, (host, cont, undo) => attach(host, cont, conf, args, undo));
}

async function attach(host: Netlink | undefined, cont: Netlink, conf: MacvlanConf, args: CmdArgs, undo: Undo): Promise<Result> {
  const link = createOnMaster({ host, cont, netns: args.netns, ifName: args.ifName, kind: 'macvlan' }, conf, (name, parent) => ({
    kind: 'macvlan', name, parent, mode: conf.mode,
    ...(conf.bcQueueLen && { bcQueueLen: conf.bcQueueLen }), ...(conf.mtu && { mtu: conf.mtu }), ...(conf.mac && { mac: conf.mac }),
  }), undo);
  trySysctl(cont, `net/ipv4/conf/${args.ifName}/arp_notify`, '1');
  trySysctl(cont, `net/ipv6/conf/${args.ifName}/ndisc_notify`, '1');

  const result: Result = { cniVersion: currentVersion, interfaces: [{ name: args.ifName, mac: link.mac ?? '', sandbox: args.netns }] };
  if (conf.ipamType) {
    const ipam = await ipamAdd(conf.ipamType, args, undo);
    result.ips = ipam.ips.map((ip) => ({ ...ip, interface: 0 }));
    if (ipam.routes?.length) result.routes = ipam.routes;
    if (ipam.dns) result.dns = ipam.dns;
    await configureIface(cont, args.ifName, result);
  } else {
    cont.setLink(link.index, { up: true });
  }
  if (conf.dns) result.dns = conf.dns;
  result.interfaces = [{ name: args.ifName, mac: cont.linkByIndex(link.index).mac ?? '', sandbox: args.netns }];
  return result;
}
