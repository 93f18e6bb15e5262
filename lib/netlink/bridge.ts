// Bridge ports and bridge VLANs: AF_BRIDGE RTM_SETLINK / RTM_DELLINK / RTM_GETLINK payloads. Pure.
// Same messages as vishvananda/netlink's LinkSetHairpin & co. (IFLA_PROTINFO | NLA_F_NESTED)
// and BridgeVlanAdd/Del (IFLA_AF_SPEC with IFLA_BRIDGE_FLAGS and IFLA_BRIDGE_VLAN_INFO).
import { type Attrs, concat, encodeIfInfo, nla } from './codec';
import { AF, BRIDGE_FLAGS, BRIDGE_VLAN_INFO, IFLA, IFLA_BRIDGE, IFLA_BRPORT, NLA_F_NESTED, RTEXT_FILTER } from './constants';

/** Bridge port settings (IFLA_BRPORT_*); booleans are u8 flags on the wire. */
export interface BridgePort {
  /** IFLA_BRPORT_MODE: hairpin (reflective relay) */
  hairpin?: boolean;
  isolated?: boolean;
  learning?: boolean;
  unicastFlood?: boolean;
  mcastFlood?: boolean;
  bcastFlood?: boolean;
  /** BPDU guard */
  guard?: boolean;
  /** IFLA_BRPORT_PROTECT: root block */
  rootBlock?: boolean;
  fastLeave?: boolean;
  proxyArp?: boolean;
  neighSuppress?: boolean;
  /** STP port state (0 disabled .. 4 blocking) */
  state?: number;
  priority?: number;
  cost?: number;
}

const FLAGS = {
  hairpin: IFLA_BRPORT.MODE, isolated: IFLA_BRPORT.ISOLATED, learning: IFLA_BRPORT.LEARNING,
  unicastFlood: IFLA_BRPORT.UNICAST_FLOOD, mcastFlood: IFLA_BRPORT.MCAST_FLOOD, bcastFlood: IFLA_BRPORT.BCAST_FLOOD,
  guard: IFLA_BRPORT.GUARD, rootBlock: IFLA_BRPORT.PROTECT, fastLeave: IFLA_BRPORT.FAST_LEAVE,
  proxyArp: IFLA_BRPORT.PROXYARP, neighSuppress: IFLA_BRPORT.NEIGH_SUPPRESS,
} as const;
type FlagName = keyof typeof FLAGS;
const flagNames = Object.keys(FLAGS) as FlagName[];

/** AF_BRIDGE RTM_SETLINK payload setting port attributes of `index` (a bridge port). */
export function encodeBridgePort(index: number, p: BridgePort): Uint8Array {
  const attrs: Uint8Array[] = [];
  if (p.state !== undefined) attrs.push(nla.u8(IFLA_BRPORT.STATE, p.state));
  if (p.priority !== undefined) attrs.push(nla.u16(IFLA_BRPORT.PRIORITY, p.priority));
  if (p.cost !== undefined) attrs.push(nla.u32(IFLA_BRPORT.COST, p.cost));
  for (const k of flagNames) {
    const v = p[k];
    if (v !== undefined) attrs.push(nla.u8(FLAGS[k], v ? 1 : 0));
  }
  return concat([encodeIfInfo({ family: AF.BRIDGE, index }), nla.nest(IFLA.PROTINFO | NLA_F_NESTED, ...attrs)]);
}

export function decodeBridgePort(a: Attrs): BridgePort {
  const out: BridgePort = {};
  for (const k of flagNames) {
    const v = a.u8(FLAGS[k]);
    if (v !== undefined) out[k] = v !== 0;
  }
  const state = a.u8(IFLA_BRPORT.STATE), priority = a.u16(IFLA_BRPORT.PRIORITY), cost = a.u32(IFLA_BRPORT.COST);
  if (state !== undefined) out.state = state;
  if (priority !== undefined) out.priority = priority;
  if (cost !== undefined) out.cost = cost;
  return out;
}

/** One VLAN, or the range vid..vidEnd, of a bridge port (or of the bridge itself with `self`). */
export interface BridgeVlan {
  vid: number;
  vidEnd?: number;
  pvid?: boolean;
  untagged?: boolean;
}
export interface BridgeVlanTarget {
  /** BRIDGE_FLAGS_SELF: the bridge device's own VLANs (when `index` is the bridge) */
  self?: boolean;
  /** BRIDGE_FLAGS_MASTER */
  master?: boolean;
}

/** AF_BRIDGE payload adding (send as RTM_SETLINK) or deleting (RTM_DELLINK) VLANs of `index`. */
export function encodeBridgeVlan(index: number, v: BridgeVlan & BridgeVlanTarget): Uint8Array {
  let bflags = 0;
  if (v.self) bflags |= BRIDGE_FLAGS.SELF;
  if (v.master) bflags |= BRIDGE_FLAGS.MASTER;
  let flags = 0;
  if (v.pvid) flags |= BRIDGE_VLAN_INFO.PVID;
  if (v.untagged) flags |= BRIDGE_VLAN_INFO.UNTAGGED;
  const spec: Uint8Array[] = [];
  if (bflags) spec.push(nla.u16(IFLA_BRIDGE.FLAGS, bflags));
  if (v.vidEnd !== undefined && v.vidEnd !== v.vid) {
    spec.push(vlanInfo(flags | BRIDGE_VLAN_INFO.RANGE_BEGIN, v.vid), vlanInfo(flags | BRIDGE_VLAN_INFO.RANGE_END, v.vidEnd));
  } else {
    spec.push(vlanInfo(flags, v.vid));
  }
  return concat([encodeIfInfo({ family: AF.BRIDGE, index }), nla.nest(IFLA.AF_SPEC, ...spec)]);
}

/** struct bridge_vlan_info { u16 flags; u16 vid; } */
function vlanInfo(flags: number, vid: number): Uint8Array {
  if (!(vid >= 1 && vid <= 4094)) throw new RangeError(`VLAN id out of range 1..4094: ${vid}`);
  return nla.raw(IFLA_BRIDGE.VLAN_INFO, Uint8Array.of(flags & 0xff, flags >> 8, vid & 0xff, vid >> 8));
}

/** VLANs listed in an IFLA_AF_SPEC of an AF_BRIDGE RTM_NEWLINK; ranges are folded back. */
export function decodeBridgeVlans(a: Attrs): BridgeVlan[] {
  const out: BridgeVlan[] = [];
  for (const d of a.all(IFLA_BRIDGE.VLAN_INFO)) {
    if (d.length < 4) continue;
    const flags = d[0]! | (d[1]! << 8), vid = d[2]! | (d[3]! << 8);
    const last = out[out.length - 1];
    if (flags & BRIDGE_VLAN_INFO.RANGE_END && last) { last.vidEnd = vid; continue; }
    const v: BridgeVlan = { vid };
    if (flags & BRIDGE_VLAN_INFO.PVID) v.pvid = true;
    if (flags & BRIDGE_VLAN_INFO.UNTAGGED) v.untagged = true;
    out.push(v);
  }
  return out;
}

/** AF_BRIDGE RTM_GETLINK dump payload: every bridge port, with its VLANs when asked. */
export function encodeBridgeDump(withVlans: boolean): Uint8Array {
  const mask = withVlans ? RTEXT_FILTER.BRVLAN : 0;
  return concat([encodeIfInfo({ family: AF.BRIDGE }), nla.u32(IFLA.EXT_MASK, mask | RTEXT_FILTER.SKIP_STATS)]);
}
