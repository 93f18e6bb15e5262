// Host-side kernel objects of the bridge plugin: the bridge, the veth's host end
// as a bridge port, VLANs, and gateway addresses on the bridge.
import { CniError, Code } from '../../lib/cni/errors';
import { randomMac, randomVethName, trySysctl } from '../../lib/link';
import { type Addr, IFA_F, type Link, type Netlink, NetlinkError, parseCidr } from '../../lib/netlink';
import type { Undo } from '../../lib/undo';
import type { BridgeConf } from './config';

const failed = (what: string, err: unknown): CniError =>
  new CniError(Code.Internal, `${what}: ${(err as Error).message}`, '', { cause: err });

/** A bridge-VLAN failure on a kernel without it reads as what it is. */
export function vlanError(conf: BridgeConf, err: unknown): CniError {
  const unsupported = err instanceof NetlinkError && err.code === 'EOPNOTSUPP';
  const why = unsupported ? 'this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)' : (err as Error).message;
  return new CniError(Code.Internal, `failed to configure vlan ${conf.vlan || conf.trunk.join(',')} on bridge "${conf.bridge}": ${why}`, '', { cause: err });
}

/**
 * Finds or creates the bridge. A new bridge gets a fixed MAC so it never follows
 * its lowest port's MAC (plugins#60); an existing one is pinned to its current MAC.
 */
export function ensureBridge(nl: Netlink, conf: BridgeConf, undo: Undo): Link {
  let br = nl.findLink(conf.bridge);
  const vlanFiltering = conf.vlan !== 0 || conf.trunk.length > 0;
  if (br && br.kind !== 'bridge') throw new CniError(Code.Internal, `"${conf.bridge}" already exists but is not a bridge`);
  if (!br) {
    let created = true;
    try {
      nl.addLink({ kind: 'bridge', name: conf.bridge, mac: randomMac(), ...(conf.mtu && { mtu: conf.mtu }),
        ...(vlanFiltering && { bridge: { vlanFiltering: true } }) });
    } catch (err) {
      if (!(err instanceof NetlinkError && err.code === 'EEXIST')) {
        throw vlanFiltering ? vlanError(conf, err) : failed(`could not add "${conf.bridge}"`, err);
      }
      created = false; // a concurrent ADD made it between our lookup and our add: theirs, never undone by us
    }
    br = nl.linkByName(conf.bridge);
    if (br.kind !== 'bridge') throw new CniError(Code.Internal, `"${conf.bridge}" already exists but is not a bridge`);
    const index = br.index;
    // only a bridge this ADD made, and only while no other attachment uses it
    if (created) undo.push('bridge', () => { if (nl.links({ master: index }).length === 0) nl.delLink(index); });
  } else if (br.mac) {
    nl.setLink(br.index, { mac: br.mac });
  }
  if (conf.promiscMode) nl.setLink(br.index, { promisc: true });
  trySysctl(nl, `net/ipv6/conf/${conf.bridge}/accept_ra`, '0');
  if (!br.up) nl.setLink(br.index, { up: true });
  return nl.linkByIndex(br.index);
}

/** How one bridge port is set up: what the container's veth and the VLAN gateway's veth differ in. */
export interface PortSpec {
  hairpin: boolean;
  isolated: boolean;
  vlan: number;
  /** trunk VIDs */
  trunk: number[];
  preserveDefaultVlan: boolean;
}

/** The container port of this config. */
export const containerPort = (conf: BridgeConf): PortSpec => ({
  hairpin: conf.hairpinMode, isolated: conf.portIsolation, vlan: conf.vlan, trunk: conf.trunk, preserveDefaultVlan: conf.preserveDefaultVlan,
});

/** Host veth: up, accept_ra=0, enslaved, hairpin and isolation written, VLANs. */
export function setupPort(nl: Netlink, br: Link, hostIndex: number, hostName: string, conf: BridgeConf, port: PortSpec): void {
  trySysctl(nl, `net/ipv6/conf/${hostName}/accept_ra`, '0');
  try {
    nl.setLink(hostIndex, { master: br.index, up: true });
  } catch (err) {
    throw failed(`failed to connect "${hostName}" to bridge ${conf.bridge}`, err);
  }
  nl.setBridgePort(hostIndex, { hairpin: port.hairpin, isolated: port.isolated });
  if (port.vlan === 0 && port.trunk.length === 0) return;
  try {
    if (!port.preserveDefaultVlan) {
      for (const p of nl.bridgePorts(true)) {
        if (p.index !== hostIndex) continue;
        for (const v of p.vlans ?? []) nl.bridgeVlanDel(hostIndex, { vid: v.vid, master: true });
      }
    }
    for (const vid of port.trunk) nl.bridgeVlanAdd(hostIndex, { vid, master: true });
    const native = port.vlan || (port.trunk.length ? 1 : 0);
    if (native) nl.bridgeVlanAdd(hostIndex, { vid: native, pvid: true, untagged: true, master: true });
  } catch (err) {
    throw vlanError(conf, err);
  }
}

/**
 * The gateway addresses of one ADD on the bridge (ensureAddr). The bridge's addresses are
 * read once per family and kept current here, so N gateways cost N adds, not N dumps.
 */
export class GatewayAddrs {
  private readonly known = new Map<number, Addr[]>();

  constructor(private readonly nl: Netlink, private readonly br: Link, private readonly conf: BridgeConf) {}

  private addrs(family: number): Addr[] {
    let list = this.known.get(family);
    if (!list) this.known.set(family, list = this.nl.addrs(this.br.index, family));
    return list;
  }

  /**
   * Puts gw/prefix on the bridge. Another IPv4 address, or an overlapping IPv6 one, is
   * replaced with forceAddress and an error without.
   */
  ensure(gwCidr: string): void {
    const { nl, br, conf } = this;
    const want = parseCidr(gwCidr);
    const v6 = want.bytes.length === 16;
    const list = this.addrs(v6 ? 10 : 2);
    for (const a of [...list]) {
      if (a.address === want.address && a.prefixLen === want.prefixLen) return;
      if (v6 && (a.scope === 253 /* link */ || !sameNet(a.address, a.prefixLen, gwCidr))) continue;
      if (!conf.forceAddress) {
        throw new CniError(Code.Internal, `"${conf.bridge}" already has an IP address different from ${gwCidr}`);
      }
      nl.delAddr(br.index, `${a.address}/${a.prefixLen}`);
      list.splice(list.indexOf(a), 1);
    }
    try {
      // no DAD for the gateway: the address is ours by IPAM, and a tentative gateway
      // would drop the containers' IPv6 traffic for the first second or two
      nl.addAddr(br.index, { address: want.address, prefixLen: want.prefixLen, ...(v6 && { flags: IFA_F.NODAD }) });
    } catch (err) {
      // a concurrent ADD on the same network put it there between our read and our add
      // (the reference ignores EEXIST here too)
      if (!(err instanceof NetlinkError && err.code === 'EEXIST')) throw failed(`could not add IP address to "${conf.bridge}"`, err);
    }
    list.push({ family: v6 ? 10 : 2, index: br.index, address: want.address, prefixLen: want.prefixLen, scope: 0, flags: 0 });
  }
}

function sameNet(address: string, prefixLen: number, other: string): boolean {
  const a = parseCidr(`${address}/${prefixLen}`);
  const b = parseCidr(other);
  const len = Math.min(prefixLen, b.prefixLen);
  for (let bit = 0; bit < len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((a.bytes[byte]! & mask) !== (b.bytes[byte]! & mask)) return false;
  }
  return true;
}

/**
 * With `vlan` and `isGateway`, the gateway lives on `<bridge>.<vlan>`: one end of a
 * host-side veth pair whose other end is a bridge port untagged in that VLAN
 * (ensureVlanInterface). Created once, shared by the network's containers.
 */
export function ensureVlanGateway(nl: Netlink, br: Link, conf: BridgeConf, undo: Undo): Link {
  const name = `${conf.bridge}.${conf.vlan}`;
  const existing = nl.findLink(name);
  if (existing) return existing;
  if (Buffer.byteLength(name) > 15) throw new CniError(Code.Internal, `failed to create vlan interface: name "${name}" is longer than 15 bytes`);
  const port = randomVethName();
  try {
    nl.addLink({ kind: 'veth', name: port, ...(conf.mtu && { mtu: conf.mtu }), peer: { name, ...(conf.mtu && { mtu: conf.mtu }) } });
  } catch (err) {
    throw failed(`failed to create vlan interface "${name}"`, err);
  }
  const portIndex = nl.linkByName(port).index;
  undo.push('vlan gateway', () => nl.delLink(portIndex));
  // the gateway's port: untagged in the network's VLAN only, no hairpin, no isolation
  setupPort(nl, br, portIndex, port, conf, { hairpin: false, isolated: false, vlan: conf.vlan, trunk: [], preserveDefaultVlan: conf.preserveDefaultVlan });
  const gw = nl.linkByName(name);
  nl.setLink(gw.index, { up: true });
  return nl.linkByIndex(gw.index);
}
