// What both backends share: the external interface (flannel's extIface), the peer shape,
// and the route protocol number that marks every route the agent makes, so reconciling
// removes exactly ours and nothing an administrator or another agent added.
import { AF, type Netlink, RT_SCOPE } from '../netlink';

/** rtm_protocol of the agent's routes (`ip route show proto 78`); unassigned in iproute2's rt_protos */
export const ROUTE_PROTOCOL = 78;

export interface ExtIface {
  index: number;
  name: string;
  mtu: number;
  /** the interface's first IPv4 address */
  address: string;
}

/** A peer node as its lease describes it. */
export interface Peer {
  /** "10.244.3.0/24" */
  subnet: string;
  publicIP: string;
  /** vxlan: the peer VTEP's MAC */
  vtepMAC?: string;
}

/** What one reconcile changed (for the log and the bench). */
export interface Changes {
  added: number;
  removed: number;
  failed: string[];
}

export interface Backend {
  readonly type: 'host-gw' | 'vxlan';
  /** MTU for pods (FLANNEL_MTU) */
  readonly mtu: number;
  /** vxlan: our VTEP for the lease's BackendData */
  readonly vtep?: { vni: number; mac: string };
  /** makes the kernel hold exactly the routes (and vxlan entries) for `peers` */
  reconcile(peers: readonly Peer[]): Changes;
}

/**
 * flannel's LookupExtIface for -iface / -public-ip: each -iface is an interface name or one
 * of its addresses, first match wins; none given: the interface of the default route.
 */
export function findExtIface(nl: Netlink, ifaces: readonly string[]): ExtIface {
  const links = nl.links();
  const v4 = nl.addrs(0, AF.INET).filter((a) => a.scope === RT_SCOPE.UNIVERSE);
  const make = (index: number): ExtIface | undefined => {
    const link = links.find((l) => l.index === index);
    const addr = v4.find((a) => a.index === index);
    if (!link || !addr) return undefined;
    return { index, name: link.name, mtu: link.mtu ?? 1500, address: addr.local ?? addr.address };
  };
  for (const want of ifaces) {
    const byName = links.find((l) => l.name === want);
    const byAddr = v4.find((a) => (a.local ?? a.address) === want);
    const found = make(byName?.index ?? byAddr?.index ?? -1);
    if (found) return found;
  }
  if (ifaces.length > 0) throw new Error(`none of the interfaces ${ifaces.join(', ')} exists with an IPv4 address`);
  const dflt = nl.routes({ family: AF.INET }).find((r) => r.dstLen === 0 && r.oif !== undefined);
  const found = dflt?.oif === undefined ? undefined : make(dflt.oif);
  if (!found) throw new Error('no default route to pick the interface from: give -iface');
  return found;
}

/** Runs one kernel change of a reconcile; a failure is recorded and the others go on. */
export function attempt(changes: Changes, what: string, fn: () => void, counter: 'added' | 'removed'): void {
  try {
    fn();
    changes[counter]++;
  } catch (e) {
    changes.failed.push(`${what}: ${(e as Error).message}`);
  }
}
