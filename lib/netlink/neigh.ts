// Neighbours (RTM_*NEIGH), minimal: ARP/NDP entries and bridge FDB entries. Pure.
import { mustParseIP } from '../ip';
import { Attrs, concat, decodeNdMsg, encodeNdMsg, nla, parseMac } from './codec';
import { AF, NDA, NUD } from './constants';

export interface Neigh {
  family: number;
  index: number;
  /** NUD_* */
  state: number;
  /** NTF_* */
  flags: number;
  type: number;
  dst?: string;
  lladdr?: string;
  master?: number;
  vlan?: number;
}

export function decodeNeigh(payload: Uint8Array): Neigh {
  const h = decodeNdMsg(payload);
  const a = new Attrs(payload.subarray(12));
  const n: Neigh = { ...h };
  const dst = a.ip(NDA.DST), lladdr = a.mac(NDA.LLADDR), master = a.u32(NDA.MASTER), vlan = a.u16(NDA.VLAN);
  if (dst !== undefined) n.dst = dst;
  if (lladdr !== undefined) n.lladdr = lladdr;
  if (master !== undefined) n.master = master;
  if (vlan !== undefined) n.vlan = vlan;
  return n;
}

export interface NeighSpec {
  index: number;
  /** IP for ARP/NDP entries; omit for AF_BRIDGE FDB entries */
  dst?: string;
  lladdr?: string;
  /** default NUD_PERMANENT */
  state?: number;
  flags?: number;
  /** default from `dst`, AF_BRIDGE without one */
  family?: number;
}

export function encodeNeigh(s: NeighSpec): Uint8Array {
  const dst = s.dst === undefined ? undefined : mustParseIP(s.dst);
  const family = s.family ?? (dst ? (dst.length === 4 ? AF.INET : AF.INET6) : AF.BRIDGE);
  const parts = [encodeNdMsg({ family, index: s.index, state: s.state ?? NUD.PERMANENT, flags: s.flags ?? 0, type: 0 })];
  if (dst) parts.push(nla.raw(NDA.DST, dst));
  if (s.lladdr !== undefined) parts.push(nla.raw(NDA.LLADDR, parseMac(s.lladdr)));
  return concat(parts);
}

/** RTM_GETNEIGH dump payload; the kernel filters by link with NDA_IFINDEX (the header's must be 0). */
export function encodeNeighDump(family: number = AF.UNSPEC, index = 0): Uint8Array {
  const head = encodeNdMsg({ family, index: 0, state: 0, flags: 0, type: 0 });
  return index ? concat([head, nla.u32(NDA.IFINDEX, index)]) : head;
}
