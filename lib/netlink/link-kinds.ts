// IFLA_INFO_DATA of the link kinds the plugins create: bridge, macvlan, ipvlan, vxlan. Pure.
// (veth's only data is its peer; see link.ts.)
import { mustParseIP } from '../ip';
import { type Attrs, concat, nla } from './codec';
import { IFLA_BR, IFLA_IPVLAN, IFLA_MACVLAN, IFLA_VXLAN, IPVLAN_FLAG, IPVLAN_MODE, MACVLAN_MODE } from './constants';

export type MacvlanMode = keyof typeof MACVLAN_MODE;
export type IpvlanMode = keyof typeof IPVLAN_MODE;
export type IpvlanFlag = keyof typeof IPVLAN_FLAG;

export interface BridgeOptions {
  /** IFLA_BR_VLAN_FILTERING; sent only when set (kernels without CONFIG_BRIDGE_VLAN_FILTERING refuse it) */
  vlanFiltering?: boolean;
  vlanDefaultPvid?: number;
  stpState?: number;
  /** centiseconds, as the kernel takes them */
  forwardDelay?: number;
  ageingTime?: number;
  mcastSnooping?: boolean;
}

export interface VxlanOptions {
  id: number;
  /** remote (multicast group or unicast peer), v4 or v6 */
  group?: string;
  local?: string;
  /** lower device index */
  link?: number;
  /** UDP destination port; the kernel's default is 8472 */
  port?: number;
  learning?: boolean;
  ttl?: number;
}

export type LinkKindSpec =
  | { kind: 'bridge'; bridge?: BridgeOptions }
  | { kind: 'macvlan'; parent: number; mode: MacvlanMode; bcQueueLen?: number }
  | { kind: 'ipvlan'; parent: number; mode: IpvlanMode; flag?: IpvlanFlag }
  | { kind: 'vxlan'; vxlan: VxlanOptions };

export type LinkData =
  | ({ kind: 'bridge' } & BridgeOptions)
  | { kind: 'macvlan'; mode: MacvlanMode | number; flags?: number; bcQueueLen?: number }
  | { kind: 'ipvlan'; mode: IpvlanMode | number; flag: IpvlanFlag | number }
  | ({ kind: 'vxlan' } & VxlanOptions);

const byValue = <T extends string>(table: Record<T, number>, v: number): T | number =>
  (Object.keys(table) as T[]).find((k) => table[k] === v) ?? v;

/** IFLA_INFO_DATA contents (the nested attributes) for a kind; undefined when there is nothing to send. */
export function encodeLinkData(spec: LinkKindSpec): Uint8Array | undefined {
  const out: Uint8Array[] = [];
  switch (spec.kind) {
    case 'bridge': {
      const b = spec.bridge ?? {};
      if (b.forwardDelay !== undefined) out.push(nla.u32(IFLA_BR.FORWARD_DELAY, b.forwardDelay));
      if (b.ageingTime !== undefined) out.push(nla.u32(IFLA_BR.AGEING_TIME, b.ageingTime));
      if (b.stpState !== undefined) out.push(nla.u32(IFLA_BR.STP_STATE, b.stpState));
      if (b.vlanFiltering !== undefined) out.push(nla.u8(IFLA_BR.VLAN_FILTERING, b.vlanFiltering ? 1 : 0));
      if (b.mcastSnooping !== undefined) out.push(nla.u8(IFLA_BR.MCAST_SNOOPING, b.mcastSnooping ? 1 : 0));
      if (b.vlanDefaultPvid !== undefined) out.push(nla.u16(IFLA_BR.VLAN_DEFAULT_PVID, b.vlanDefaultPvid));
      break;
    }
    case 'macvlan':
      out.push(nla.u32(IFLA_MACVLAN.MODE, MACVLAN_MODE[spec.mode]));
      if (spec.bcQueueLen !== undefined) out.push(nla.u32(IFLA_MACVLAN.BC_QUEUE_LEN, spec.bcQueueLen));
      break;
    case 'ipvlan':
      out.push(nla.u16(IFLA_IPVLAN.MODE, IPVLAN_MODE[spec.mode]), nla.u16(IFLA_IPVLAN.FLAGS, IPVLAN_FLAG[spec.flag ?? 'bridge']));
      break;
    case 'vxlan': {
      const v = spec.vxlan;
      out.push(nla.u32(IFLA_VXLAN.ID, v.id));
      if (v.group !== undefined) {
        const g = mustParseIP(v.group);
        out.push(nla.raw(g.length === 4 ? IFLA_VXLAN.GROUP : IFLA_VXLAN.GROUP6, g));
      }
      if (v.local !== undefined) {
        const l = mustParseIP(v.local);
        out.push(nla.raw(l.length === 4 ? IFLA_VXLAN.LOCAL : IFLA_VXLAN.LOCAL6, l));
      }
      if (v.link !== undefined) out.push(nla.u32(IFLA_VXLAN.LINK, v.link));
      if (v.ttl !== undefined) out.push(nla.u8(IFLA_VXLAN.TTL, v.ttl));
      if (v.learning !== undefined) out.push(nla.u8(IFLA_VXLAN.LEARNING, v.learning ? 1 : 0));
      if (v.port !== undefined) out.push(nla.be16(IFLA_VXLAN.PORT, v.port));
      break;
    }
  }
  return out.length ? concat(out) : undefined;
}

/** Decodes the IFLA_INFO_DATA of the kinds above; undefined for other kinds. */
export function decodeLinkData(kind: string, a: Attrs): LinkData | undefined {
  const put = <T extends object>(o: T, k: string, v: unknown): T => (v === undefined ? o : Object.assign(o, { [k]: v }));
  const bool = (v: number | undefined): boolean | undefined => (v === undefined ? undefined : v !== 0);
  switch (kind) {
    case 'bridge': {
      const o: LinkData = { kind: 'bridge' };
      put(o, 'vlanFiltering', bool(a.u8(IFLA_BR.VLAN_FILTERING)));
      put(o, 'vlanDefaultPvid', a.u16(IFLA_BR.VLAN_DEFAULT_PVID));
      put(o, 'stpState', a.u32(IFLA_BR.STP_STATE));
      put(o, 'forwardDelay', a.u32(IFLA_BR.FORWARD_DELAY));
      put(o, 'ageingTime', a.u32(IFLA_BR.AGEING_TIME));
      return put(o, 'mcastSnooping', bool(a.u8(IFLA_BR.MCAST_SNOOPING)));
    }
    case 'macvlan': {
      const o: LinkData = { kind: 'macvlan', mode: byValue(MACVLAN_MODE, a.u32(IFLA_MACVLAN.MODE) ?? 0) };
      put(o, 'flags', a.u16(IFLA_MACVLAN.FLAGS));
      return put(o, 'bcQueueLen', a.u32(IFLA_MACVLAN.BC_QUEUE_LEN));
    }
    case 'ipvlan':
      return { kind: 'ipvlan', mode: byValue(IPVLAN_MODE, a.u16(IFLA_IPVLAN.MODE) ?? 0), flag: byValue(IPVLAN_FLAG, a.u16(IFLA_IPVLAN.FLAGS) ?? 0) };
    case 'vxlan': {
      const o: LinkData = { kind: 'vxlan', id: a.u32(IFLA_VXLAN.ID) ?? 0 };
      put(o, 'group', a.ip(IFLA_VXLAN.GROUP) ?? a.ip(IFLA_VXLAN.GROUP6));
      put(o, 'local', a.ip(IFLA_VXLAN.LOCAL) ?? a.ip(IFLA_VXLAN.LOCAL6));
      put(o, 'link', a.u32(IFLA_VXLAN.LINK));
      put(o, 'port', a.be16(IFLA_VXLAN.PORT));
      put(o, 'learning', bool(a.u8(IFLA_VXLAN.LEARNING)));
      return put(o, 'ttl', a.u8(IFLA_VXLAN.TTL));
    }
    default:
      return undefined;
  }
}
