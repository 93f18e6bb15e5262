// The master (parent) link of a macvlan or ipvlan: named, or the default-route interface.
import { badConf } from '../cni/conf';
import { AF, type Link, type Netlink, RTN } from '../netlink';

/** The link of the first default route of the main table, any family (getDefaultRouteInterfaceName). */
export function defaultRouteLink(nl: Netlink): Link | undefined {
  const r = nl.routes({ family: AF.UNSPEC }).find((x) => x.dstLen === 0 && x.oif && x.type === RTN.UNICAST);
  return r?.oif ? nl.linkByIndex(r.oif) : undefined;
}

/**
 * The master link: `name`, or without one the default-route interface, looked up with `nl`
 * (the host's handle, or the container's for linkInContainer). Missing: code 7 naming `master`.
 */
export function findMaster(nl: Netlink, name: string, where: string): Link {
  if (!name) {
    const l = defaultRouteLink(nl);
    if (!l) throw badConf('master', `no master given and no default route interface found in ${where}`);
    return l;
  }
  const l = nl.findLink(name);
  if (!l) throw badConf('master', `failed to lookup master "${name}" in ${where}: link not found`);
  return l;
}

/** 0 ≤ mtu ≤ the master's MTU; 0 inherits. */
export function checkMtu(mtu: number, master: Link): void {
  const max = master.mtu ?? 65535;
  if (mtu < 0 || mtu > max) throw badConf('mtu', `invalid MTU ${mtu}, must be [0, master MTU(${max})]`);
}

