// Links (RTM_*LINK): typed specs -> request payloads, and RTM_NEWLINK payloads -> Link.
// Pure. Kind-specific IFLA_INFO_DATA lives in link-kinds.ts.
import { Attrs, concat, decodeIfInfo, encodeIfInfo, nla, parseMac } from './codec';
import { AF, IFF, IFLA, IFLA_INFO, RTEXT_FILTER, VETH_INFO_PEER } from './constants';
import { decodeBridgePort, decodeBridgeVlans, type BridgePort, type BridgeVlan } from './bridge';
import { decodeLinkData, encodeLinkData, type LinkData, type LinkKindSpec } from './link-kinds';

export interface Link {
  index: number;
  name: string;
  /** ARPHRD_* (1 = ether) */
  type: number;
  /** IFF_* */
  flags: number;
  up: boolean;
  mtu?: number;
  mac?: string;
  broadcast?: string;
  permMac?: string;
  /** IFLA_MASTER: index of the bridge (or bond) this is enslaved to */
  master?: number;
  /** IFLA_LINK: parent (macvlan/ipvlan/vxlan lower device, veth peer) index, possibly in another netns */
  parent?: number;
  /** set when `parent` lives in another netns */
  linkNetnsId?: number;
  txQueueLen?: number;
  operState?: number;
  promiscuity?: number;
  minMtu?: number;
  maxMtu?: number;
  alias?: string;
  kind?: string;
  slaveKind?: string;
  data?: LinkData;
  /** from AF_BRIDGE dumps: bridge port flags, and VLANs with RTEXT_FILTER_BRVLAN */
  bridgePort?: BridgePort;
  vlans?: BridgeVlan[];
}

/** Parses the payload (ifinfomsg + attributes) of an RTM_NEWLINK. */
export function decodeLink(payload: Uint8Array): Link {
  const h = decodeIfInfo(payload);
  const a = new Attrs(payload.subarray(16));
  const link: Link = { index: h.index, name: a.str(IFLA.IFNAME) ?? '', type: h.type, flags: h.flags, up: (h.flags & IFF.UP) !== 0 };
  const set = <K extends keyof Link>(k: K, v: Link[K] | undefined): void => { if (v !== undefined) link[k] = v; };
  set('mtu', a.u32(IFLA.MTU));
  set('mac', a.mac(IFLA.ADDRESS));
  set('broadcast', a.mac(IFLA.BROADCAST));
  set('permMac', a.mac(IFLA.PERM_ADDRESS));
  set('master', a.u32(IFLA.MASTER));
  set('parent', a.u32(IFLA.LINK));
  set('linkNetnsId', a.s32(IFLA.LINK_NETNSID));
  set('txQueueLen', a.u32(IFLA.TXQLEN));
  set('operState', a.u8(IFLA.OPERSTATE));
  set('promiscuity', a.u32(IFLA.PROMISCUITY));
  set('minMtu', a.u32(IFLA.MIN_MTU));
  set('maxMtu', a.u32(IFLA.MAX_MTU));
  set('alias', a.str(IFLA.IFALIAS));
  const info = a.nested(IFLA.LINKINFO);
  if (info) {
    set('kind', info.str(IFLA_INFO.KIND));
    set('slaveKind', info.str(IFLA_INFO.SLAVE_KIND));
    const data = info.nested(IFLA_INFO.DATA);
    if (link.kind && data) set('data', decodeLinkData(link.kind, data));
  }
  if (h.family === AF.BRIDGE) {
    const port = a.nested(IFLA.PROTINFO);
    if (port) link.bridgePort = decodeBridgePort(port);
    const spec = a.nested(IFLA.AF_SPEC);
    if (spec) link.vlans = decodeBridgeVlans(spec);
  }
  return link;
}

/** Attributes every new link may carry besides its kind. */
export interface LinkCommon {
  name: string;
  mtu?: number;
  mac?: string;
  txQueueLen?: number;
  /** enslave on creation (IFLA_MASTER) */
  master?: number;
  /** create directly in the netns of this open fd (IFLA_NET_NS_FD) */
  nsFd?: number;
  up?: boolean;
}

export interface VethPeer { name: string; mtu?: number; mac?: string; txQueueLen?: number; nsFd?: number }

export type LinkSpec = LinkCommon & ({ kind: 'veth'; peer: VethPeer } | LinkKindSpec);

/** RTM_NEWLINK payload creating a link (send with NLM_F_CREATE | NLM_F_EXCL). */
export function encodeNewLink(spec: LinkSpec): Uint8Array {
  const parts = [encodeIfInfo(spec.up ? { flags: IFF.UP, change: IFF.UP } : {}), ...commonAttrs(spec)];
  if (spec.master !== undefined) parts.push(nla.u32(IFLA.MASTER, spec.master));
  if ('parent' in spec) parts.push(nla.u32(IFLA.LINK, spec.parent));
  if (spec.nsFd !== undefined) parts.push(nla.u32(IFLA.NET_NS_FD, spec.nsFd));
  let data: Uint8Array | undefined;
  if (spec.kind === 'veth') {
    const p = spec.peer;
    const peer = [encodeIfInfo(), ...commonAttrs(p)];
    if (p.nsFd !== undefined) peer.push(nla.u32(IFLA.NET_NS_FD, p.nsFd));
    data = nla.nest(VETH_INFO_PEER, ...peer);
  } else {
    data = encodeLinkData(spec);
  }
  const info = [nla.str(IFLA_INFO.KIND, spec.kind)];
  if (data) info.push(nla.nest(IFLA_INFO.DATA, data));
  parts.push(nla.nest(IFLA.LINKINFO, ...info));
  return concat(parts);
}

function commonAttrs(o: { name: string; mtu?: number; mac?: string; txQueueLen?: number }): Uint8Array[] {
  const out = [nla.str(IFLA.IFNAME, o.name)];
  if (o.mtu !== undefined) out.push(nla.u32(IFLA.MTU, o.mtu));
  if (o.mac !== undefined) out.push(nla.raw(IFLA.ADDRESS, parseMac(o.mac)));
  if (o.txQueueLen !== undefined) out.push(nla.u32(IFLA.TXQLEN, o.txQueueLen));
  return out;
}

/** Changes to an existing link; each field present is applied. */
export interface LinkChange {
  up?: boolean;
  promisc?: boolean;
  /** IFF_ALLMULTI: receive all multicast */
  allmulti?: boolean;
  mtu?: number;
  /** bridge index to enslave to; 0 releases (nomaster) */
  master?: number;
  mac?: string;
  /** rename */
  name?: string;
  /** move into the netns of this open fd */
  nsFd?: number;
  txQueueLen?: number;
}

/** RTM_SETLINK payload for link `index`. */
export function encodeSetLink(index: number, c: LinkChange): Uint8Array {
  let flags = 0, change = 0;
  if (c.up !== undefined) { change |= IFF.UP; if (c.up) flags |= IFF.UP; }
  if (c.promisc !== undefined) { change |= IFF.PROMISC; if (c.promisc) flags |= IFF.PROMISC; }
  if (c.allmulti !== undefined) { change |= IFF.ALLMULTI; if (c.allmulti) flags |= IFF.ALLMULTI; }
  const parts = [encodeIfInfo({ index, flags, change })];
  if (c.name !== undefined) parts.push(nla.str(IFLA.IFNAME, c.name));
  if (c.mtu !== undefined) parts.push(nla.u32(IFLA.MTU, c.mtu));
  if (c.mac !== undefined) parts.push(nla.raw(IFLA.ADDRESS, parseMac(c.mac)));
  if (c.txQueueLen !== undefined) parts.push(nla.u32(IFLA.TXQLEN, c.txQueueLen));
  if (c.master !== undefined) parts.push(nla.u32(IFLA.MASTER, c.master));
  if (c.nsFd !== undefined) parts.push(nla.u32(IFLA.NET_NS_FD, c.nsFd));
  return concat(parts);
}

const skipStats = (): Uint8Array => nla.u32(IFLA.EXT_MASK, RTEXT_FILTER.SKIP_STATS);

/** RTM_GETLINK payload for one link, by index or by name. */
export function encodeGetLink(by: { index: number } | { name: string }): Uint8Array {
  return 'index' in by
    ? concat([encodeIfInfo({ index: by.index }), skipStats()])
    : concat([encodeIfInfo(), nla.str(IFLA.IFNAME, by.name), skipStats()]);
}

/** RTM_GETLINK dump payload; `master` filters in the kernel (strict checking). */
export function encodeLinkDump(filter: { master?: number } = {}): Uint8Array {
  const parts = [encodeIfInfo(), skipStats()];
  if (filter.master !== undefined) parts.push(nla.u32(IFLA.MASTER, filter.master));
  return concat(parts);
}

/** RTM_DELLINK payload. */
export const encodeDelLink = (index: number): Uint8Array => encodeIfInfo({ index });
