// The rtnetlink handle: request/ACK and dump loops over a RawNetlink, and typed operations.
// Synchronous on purpose: a plugin is a one-shot process, each request takes 0.05-0.7 ms,
// and nothing here ever runs on libuv's thread pool.
import { decodeDone, decodeError, decodeMsgs, encodeMsg, isDumpInterrupted, type NlMsg } from './codec';
import { AF, NLMSG, NLM_F, RTM } from './constants';
import { NetlinkError } from './errors';
import type { RawNetlink, SysctlIO } from './transport';
import { addrFromSpec, decodeAddr, encodeAddr, encodeAddrDump, parseCidr, type Addr, type AddrSpec } from './addr';
import { encodeBridgeDump, encodeBridgePort, encodeBridgeVlan, type BridgePort, type BridgeVlan, type BridgeVlanTarget } from './bridge';
import { decodeLink, encodeDelLink, encodeGetLink, encodeLinkDump, encodeNewLink, encodeSetLink, type Link, type LinkChange, type LinkSpec } from './link';
import { decodeNeigh, encodeNeigh, encodeNeighDump, type Neigh, type NeighSpec } from './neigh';
import { decodeRoute, encodeRoute, encodeRouteDump, routeFromSpec, routeMatches, type Route, type RouteFilter, type RouteSpec } from './route';

/** How many times a dump is restarted when the kernel flags it NLM_F_DUMP_INTR (as the reference's netlinksafe). */
export const DUMP_ATTEMPTS = 5;
const EINTR = 4, ETIMEDOUT = 110, EIO = 5;

export class Netlink {
  private seq: number;
  private closed = false;

  /**
   * @param raw socket already bound in the handle's netns
   * @param sysctls /proc/sys of the same netns (sysctl() throws without one)
   * @param netns path of the handle's netns (undefined: the current one), for error messages
   */
  constructor(private readonly raw: RawNetlink, private readonly sysctls?: SysctlIO, readonly netns?: string) {
    this.seq = Math.floor(Math.random() * 0x7fff_ffff);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.raw.close();
  }

  // ---------- transport loops ----------

  /** Sends one request with NLM_F_ACK; returns the replies before the ACK (GET requests have one). */
  request(type: number, flags: number, payload: Uint8Array, op: string): NlMsg[] {
    return this.exchange(type, NLM_F.REQUEST | NLM_F.ACK | flags, payload, op).msgs;
  }

  /** Dumps; restarts the whole dump when the kernel says it was interrupted by a change. */
  dump(type: number, payload: Uint8Array, op: string): NlMsg[] {
    for (let attempt = 1; ; attempt++) {
      const r = this.exchange(type, NLM_F.REQUEST | NLM_F.DUMP, payload, op);
      if (!r.interrupted) return r.msgs;
      if (attempt >= DUMP_ATTEMPTS) throw new NetlinkError(EINTR, `${op} (dump interrupted ${attempt} times)`, { netns: this.netns });
    }
  }

  /**
   * request() whose send runs on a worker thread, so the event loop (child processes,
   * timers) goes on while the kernel works. Nothing else may use this handle meanwhile.
   */
  async requestAsync(type: number, flags: number, payload: Uint8Array, op: string): Promise<NlMsg[]> {
    if (!this.raw.sendAsync) return this.request(type, flags, payload, op);
    const seq = this.nextSeq();
    await this.raw.sendAsync(encodeMsg({ type, flags: NLM_F.REQUEST | NLM_F.ACK | flags, seq, pid: 0 }, payload));
    return this.collect(seq, op).msgs;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private exchange(type: number, flags: number, payload: Uint8Array, op: string): { msgs: NlMsg[]; interrupted: boolean } {
    const seq = this.nextSeq();
    this.raw.send(encodeMsg({ type, flags, seq, pid: 0 }, payload));
    return this.collect(seq, op);
  }

  private collect(seq: number, op: string): { msgs: NlMsg[]; interrupted: boolean } {
    const msgs: NlMsg[] = [];
    let interrupted = false;
    for (;;) {
      let datagram: Uint8Array;
      try {
        datagram = this.raw.recv();
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'ETIMEDOUT') throw new NetlinkError(ETIMEDOUT, `${op}: no answer from the kernel`, { netns: this.netns, cause: err });
        throw err;
      }
      for (const m of decodeMsgs(datagram)) {
        if (m.seq !== seq) continue; // late answer to an earlier, abandoned request
        if (isDumpInterrupted(m)) interrupted = true;
        if (m.type === NLMSG.ERROR) {
          const e = decodeError(m);
          if (e.errno) throw new NetlinkError(e.errno, op, { ...e, netns: this.netns });
          return { msgs, interrupted };
        }
        if (m.type === NLMSG.DONE) {
          const d = decodeDone(m);
          if (d.errno) throw new NetlinkError(d.errno, op, { ...d, netns: this.netns });
          return { msgs, interrupted };
        }
        if (m.type === NLMSG.OVERRUN) throw new NetlinkError(EIO, `${op}: NLMSG_OVERRUN`, { netns: this.netns });
        if (m.type !== NLMSG.NOOP) msgs.push(m);
      }
    }
  }

  // ---------- links ----------

  /** Throws NetlinkError ENODEV when there is no such link. */
  linkByName(name: string): Link {
    return this.oneLink(encodeGetLink({ name }), `get link "${name}"`);
  }

  linkByIndex(index: number): Link {
    return this.oneLink(encodeGetLink({ index }), `get link ${index}`);
  }

  /** The link, or undefined when it does not exist (ENODEV). */
  findLink(name: string): Link | undefined {
    try {
      return this.linkByName(name);
    } catch (err) {
      if (err instanceof NetlinkError && err.code === 'ENODEV') return undefined;
      throw err;
    }
  }

  private oneLink(payload: Uint8Array, op: string): Link {
    const [m] = this.request(RTM.GETLINK, 0, payload, op);
    if (!m) throw new NetlinkError(ENODEV_NO, op, { netns: this.netns });
    return decodeLink(m.payload);
  }

  links(filter: { master?: number; kind?: string } = {}): Link[] {
    const all = this.dump(RTM.GETLINK, encodeLinkDump(filter), 'list links').map((m) => decodeLink(m.payload));
    return all.filter((l) => (filter.master === undefined || l.master === filter.master) && (filter.kind === undefined || l.kind === filter.kind));
  }

  /** Creates a link (NLM_F_CREATE | NLM_F_EXCL: EEXIST if the name is taken). */
  addLink(spec: LinkSpec): void {
    this.request(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, encodeNewLink(spec), `add ${spec.kind} link "${spec.name}"`);
  }

  setLink(index: number, change: LinkChange): void {
    this.request(RTM.SETLINK, 0, encodeSetLink(index, change), `set link ${index} ${JSON.stringify(change)}`);
  }

  /** Deletes a link (a veth takes its peer along). */
  delLink(index: number): void {
    this.request(RTM.DELLINK, 0, encodeDelLink(index), `delete link ${index}`);
  }

  /** delLink without blocking the event loop for the ~17 ms a veth takes to unregister. */
  async delLinkAsync(index: number): Promise<void> {
    await this.requestAsync(RTM.DELLINK, 0, encodeDelLink(index), `delete link ${index}`);
  }

  // ---------- addresses ----------

  /** Addresses, of one link (index > 0) and/or family (AF.INET / AF.INET6). */
  addrs(index = 0, family: number = AF.UNSPEC): Addr[] {
    const all = this.dump(RTM.GETADDR, encodeAddrDump(family, index), 'list addresses').map((m) => decodeAddr(m.payload));
    return all.filter((a) => (!index || a.index === index) && (!family || a.family === family));
  }

  /** Adds "10.1.2.3/24" or a spec; EEXIST when the link already has it. */
  addAddr(index: number, addr: string | AddrSpec): void {
    const a = addrFromSpec(index, spec(addr));
    this.request(RTM.NEWADDR, NLM_F.CREATE | NLM_F.EXCL, encodeAddr(a), `add address ${a.address}/${a.prefixLen} to link ${index}`);
  }

  delAddr(index: number, addr: string | AddrSpec): void {
    const a = addrFromSpec(index, spec(addr), true);
    this.request(RTM.DELADDR, 0, encodeAddr(a), `delete address ${a.address}/${a.prefixLen} from link ${index}`);
  }

  // ---------- routes ----------

  /** Routes of the main table by default ({ table: 0 } for all), without cached clones. */
  routes(filter: RouteFilter = {}): Route[] {
    let msgs: NlMsg[];
    try {
      msgs = this.dump(RTM.GETROUTE, encodeRouteDump(filter), 'list routes');
    } catch (err) {
      // a strict-checked dump of a table that has no route yet: "FIB table does not exist"
      if (err instanceof NetlinkError && err.code === 'ENOENT') return [];
      throw err;
    }
    return msgs.map((m) => decodeRoute(m.payload)).filter((r) => routeMatches(r, filter));
  }

  /** Adds a route; EEXIST if an identical one exists. */
  addRoute(route: RouteSpec): void {
    this.routeOp(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL, route, 'add');
  }

  /** Adds or replaces the route to the same destination (NLM_F_CREATE | NLM_F_REPLACE). */
  replaceRoute(route: RouteSpec): void {
    this.routeOp(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE, route, 'replace');
  }

  /** Deletes a route; ESRCH when none matches. */
  delRoute(route: RouteSpec): void {
    this.routeOp(RTM.DELROUTE, 0, route, 'delete');
  }

  private routeOp(type: number, flags: number, spec: RouteSpec, verb: string): void {
    const r = routeFromSpec(spec);
    const what = `${r.dst === undefined ? 'default' : `${r.dst}/${r.dstLen}`}${r.gateway ? ` via ${r.gateway}` : ''}${r.oif ? ` dev ${r.oif}` : ''}`;
    this.request(type, flags, encodeRoute(r), `${verb} route ${what}`);
  }

  // ---------- bridge ports and VLANs ----------

  /** Sets bridge port flags (hairpin, isolated, learning, ...) of an enslaved link. */
  setBridgePort(index: number, port: BridgePort): void {
    this.request(RTM.SETLINK, 0, encodeBridgePort(index, port), `set bridge port ${index} ${JSON.stringify(port)}`);
  }

  /** Bridge ports (AF_BRIDGE dump), with their port flags and, when asked, VLANs. */
  bridgePorts(withVlans = false): Link[] {
    return this.dump(RTM.GETLINK, encodeBridgeDump(withVlans), 'list bridge ports').map((m) => decodeLink(m.payload));
  }

  bridgeVlanAdd(index: number, vlan: BridgeVlan & BridgeVlanTarget): void {
    this.request(RTM.SETLINK, 0, encodeBridgeVlan(index, vlan), `add bridge vlan ${vlanText(vlan)} to link ${index}`);
  }

  bridgeVlanDel(index: number, vlan: BridgeVlan & BridgeVlanTarget): void {
    this.request(RTM.DELLINK, 0, encodeBridgeVlan(index, vlan), `delete bridge vlan ${vlanText(vlan)} from link ${index}`);
  }

  // ---------- neighbours ----------

  neighs(index = 0, family: number = AF.UNSPEC): Neigh[] {
    const all = this.dump(RTM.GETNEIGH, encodeNeighDump(family, index), 'list neighbours').map((m) => decodeNeigh(m.payload));
    return all.filter((n) => (!index || n.index === index) && (!family || n.family === family));
  }

  /** Adds or replaces a neighbour entry (permanent by default). */
  setNeigh(n: NeighSpec): void {
    this.request(RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.REPLACE, encodeNeigh(n), `set neighbour ${n.dst ?? n.lladdr ?? ''} on link ${n.index}`);
  }

  delNeigh(n: NeighSpec): void {
    this.request(RTM.DELNEIGH, 0, encodeNeigh(n), `delete neighbour ${n.dst ?? n.lladdr ?? ''} on link ${n.index}`);
  }

  // ---------- sysctl ----------

  /**
   * Reads, or writes then returns `value`, /proc/sys/<rel> of this handle's netns.
   * `rel` is "net/ipv4/conf/eth0/arp_notify"; a name without '/' is taken in sysctl(8)'s
   * dotted form ("net.ipv4.ip_forward"), which cannot name interfaces containing dots.
   */
  sysctl(rel: string, value?: string): string {
    if (!this.sysctls) throw new TypeError('this Netlink handle has no sysctl access');
    const path = rel.includes('/') ? rel : rel.replaceAll('.', '/');
    if (value === undefined) return this.sysctls.read(path).replace(/\n$/, '');
    this.sysctls.write(path, value);
    return value;
  }
}

const ENODEV_NO = 19;

function spec(addr: string | AddrSpec): AddrSpec {
  if (typeof addr !== 'string') return addr;
  const c = parseCidr(addr);
  return { address: c.address, prefixLen: c.prefixLen };
}

const vlanText = (v: BridgeVlan): string => (v.vidEnd !== undefined ? `${v.vid}-${v.vidEnd}` : `${v.vid}`);
