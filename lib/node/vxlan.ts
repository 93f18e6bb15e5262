// vxlan (pkg/backend/vxlan): device flannel.<VNI> (no learning, local = our public IP, on the
// external interface, MTU 50 below it), address <subnet>.0/32 on it; per peer, in flannel's
// order: neighbour <peer subnet>.0 -> VtepMAC, FDB VtepMAC -> PublicIP, then the onlink route
// <peer subnet> via <peer subnet>.0 (last: the kernel would otherwise ARP for the gateway).
// flannel.<VNI> is wholly the agent's, so every permanent entry on it is ours to reconcile.
import { randomBytes } from 'node:crypto';
import { AF, type Link, type Netlink, NTF, NUD, type Route } from '../netlink';
import { attempt, type Backend, type Changes, type ExtIface, type Peer, ROUTE_PROTOCOL } from './backend';
import { formatIP4, type Net4, parseNet4 } from './net4';

/** flannel's encapOverhead */
export const VXLAN_OVERHEAD = 50;
const KERNEL_DEFAULT_PORT = 8472;

export interface VxlanSettings {
  vni: number;
  /** 0: the kernel's 8472 */
  port: number;
  /** 0: the external interface's less 50 */
  mtu: number;
}

/** pkg/mac NewHardwareAddr: random, unicast, locally administered */
export function randomMac(bytes: Uint8Array = randomBytes(6)): string {
  const b = Uint8Array.from(bytes);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

const dstOf = (r: Route): string => `${r.dst ?? '0.0.0.0'}/${r.dstLen}`;
/** a peer's VTEP address: its subnet's network address (what its flannel.<VNI> holds as /32) */
const vtepIP = (subnet: string): string => { const n = parseNet4(subnet, true); return n ? formatIP4(n.ip) : ''; };

export class Vxlan implements Backend {
  readonly type = 'vxlan';
  readonly mtu: number;
  readonly vtep: { vni: number; mac: string };
  private device: Link;

  /**
   * Creates the device, or keeps it when compatible: a restart keeps its MAC, which the
   * peers have in their neighbour and FDB entries. Its address comes with the lease (assign).
   */
  constructor(private readonly nl: Netlink, ext: ExtIface, s: VxlanSettings, log: (line: string) => void) {
    const name = `flannel.${s.vni}`;
    this.mtu = s.mtu || ext.mtu - VXLAN_OVERHEAD;
    let dev = nl.findLink(name);
    const d = dev?.data?.kind === 'vxlan' ? dev.data : undefined;
    const compatible = d !== undefined && d.id === s.vni && d.local === ext.address && d.link === ext.index
      && (d.port ?? KERNEL_DEFAULT_PORT) === (s.port || KERNEL_DEFAULT_PORT) && d.learning !== true && d.group === undefined;
    if (dev && !compatible) {
      log(`${name} exists with other settings (${JSON.stringify(dev.data ?? { kind: dev.kind })}): recreating it`);
      nl.delLink(dev.index);
      dev = undefined;
    }
    if (!dev) {
      // the port goes in only when set: the kernel's default (8472) is flannel's Port 0
      nl.addLink({ name, kind: 'vxlan', mtu: this.mtu, mac: randomMac(), vxlan: { id: s.vni, local: ext.address, link: ext.index, learning: false, ...(s.port ? { port: s.port } : {}) } });
      dev = nl.linkByName(name);
    } else if (dev.mtu !== this.mtu) {
      nl.setLink(dev.index, { mtu: this.mtu });
    }
    try { nl.sysctl(`net/ipv6/conf/${name}/accept_ra`, '0'); } catch { /* no IPv6 in this kernel */ }
    this.device = nl.linkByIndex(dev.index);
    this.vtep = { vni: s.vni, mac: this.device.mac ?? '' };
  }

  /** Gives the device <subnet>.0/32 (and no other address) and sets it up. */
  assign(subnet: Net4): void {
    const nl = this.nl, dev = this.device;
    // /32, so that no broadcast route is made; any other address (an old lease's) goes
    const want = formatIP4(subnet.ip);
    for (const a of nl.addrs(dev.index, AF.INET)) {
      if ((a.local ?? a.address) !== want || a.prefixLen !== 32) nl.delAddr(dev.index, `${a.local ?? a.address}/${a.prefixLen}`);
    }
    if (!nl.addrs(dev.index, AF.INET).length) nl.addAddr(dev.index, `${want}/32`);
    if (!dev.up) nl.setLink(dev.index, { up: true });
    this.device = nl.linkByIndex(dev.index);
  }

  reconcile(peers: readonly Peer[]): Changes {
    const changes: Changes = { added: 0, removed: 0, failed: [] };
    const index = this.device.index;
    const want = peers.filter((p) => p.vtepMAC !== undefined && vtepIP(p.subnet) !== '');
    const neighs = this.nl.neighs(index, AF.INET).filter((n) => n.state & NUD.PERMANENT);
    const fdb = this.nl.neighs(index, AF.BRIDGE).filter((n) => n.state & NUD.PERMANENT && n.lladdr !== '00:00:00:00:00:00');
    const routes = this.nl.routes({ family: AF.INET, oif: index, protocol: ROUTE_PROTOCOL });
    for (const p of want) {
      const gw = vtepIP(p.subnet), mac = p.vtepMAC!;
      if (!neighs.some((n) => n.dst === gw && n.lladdr === mac)) {
        attempt(changes, `neighbour ${gw}`, () => this.nl.setNeigh({ index, dst: gw, lladdr: mac }), 'added');
      }
      if (!fdb.some((n) => n.lladdr === mac && n.dst === p.publicIP)) {
        attempt(changes, `fdb ${mac}`, () => this.nl.setNeigh({ index, family: AF.BRIDGE, flags: NTF.SELF, dst: p.publicIP, lladdr: mac }), 'added');
      }
      if (!routes.some((r) => dstOf(r) === p.subnet && r.gateway === gw)) {
        attempt(changes, `route ${p.subnet}`, () => this.nl.replaceRoute({ dst: p.subnet, gateway: gw, oif: index, onlink: true, protocol: ROUTE_PROTOCOL }), 'added');
      }
    }
    // removal in reverse order: the route first, so no packet is sent to a half-gone peer
    const subnets = new Set(want.map((p) => p.subnet));
    for (const r of routes) {
      if (!subnets.has(dstOf(r))) attempt(changes, `delete route ${dstOf(r)}`, () => this.nl.delRoute({ dst: dstOf(r), ...(r.gateway ? { gateway: r.gateway } : {}), oif: index, protocol: ROUTE_PROTOCOL }), 'removed');
    }
    for (const n of neighs) {
      // an entry whose peer changed its MAC was replaced above: only unwanted addresses go
      if (!want.some((p) => vtepIP(p.subnet) === n.dst)) attempt(changes, `delete neighbour ${n.dst ?? ''}`, () => this.nl.delNeigh({ index, ...(n.dst ? { dst: n.dst } : {}) }), 'removed');
    }
    for (const n of fdb) {
      if (!want.some((p) => p.vtepMAC === n.lladdr)) {
        attempt(changes, `delete fdb ${n.lladdr ?? ''}`, () => this.nl.delNeigh({ index, family: AF.BRIDGE, flags: NTF.SELF, ...(n.dst ? { dst: n.dst } : {}), ...(n.lladdr ? { lladdr: n.lladdr } : {}) }), 'removed');
      }
    }
    return changes;
  }
}
