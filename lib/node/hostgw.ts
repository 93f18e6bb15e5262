// host-gw (pkg/backend/hostgw, pkg/backend/route_network.go): a route per peer subnet via
// the peer's PublicIP on the external interface. Peers must share the L2 segment.
import { AF, type Netlink, type Route } from '../netlink';
import { attempt, type Backend, type Changes, type ExtIface, type Peer, ROUTE_PROTOCOL } from './backend';

const dstOf = (r: Route): string => `${r.dst ?? '0.0.0.0'}/${r.dstLen}`;

export class HostGw implements Backend {
  readonly type = 'host-gw';
  readonly mtu: number;

  constructor(private readonly nl: Netlink, private readonly ext: ExtIface) {
    this.mtu = ext.mtu;
  }

  reconcile(peers: readonly Peer[]): Changes {
    const changes: Changes = { added: 0, removed: 0, failed: [] };
    const want = new Map(peers.map((p) => [p.subnet, p.publicIP]));
    const ours = this.nl.routes({ family: AF.INET, protocol: ROUTE_PROTOCOL });
    for (const [dst, gw] of want) {
      if (ours.some((r) => dstOf(r) === dst && r.gateway === gw && r.oif === this.ext.index)) continue;
      // replace: a stale route of ours (or anyone's) to the same subnet via another node goes
      attempt(changes, `route ${dst} via ${gw}`, () => this.nl.replaceRoute({ dst, gateway: gw, oif: this.ext.index, protocol: ROUTE_PROTOCOL }), 'added');
    }
    for (const r of ours) {
      if (want.has(dstOf(r))) continue; // kept, or replaced above
      attempt(changes, `delete route ${dstOf(r)}`, () => this.nl.delRoute({ dst: dstOf(r), ...(r.gateway ? { gateway: r.gateway } : {}), protocol: ROUTE_PROTOCOL, ...(r.oif !== undefined ? { oif: r.oif } : {}) }), 'removed');
    }
    return changes;
  }
}
