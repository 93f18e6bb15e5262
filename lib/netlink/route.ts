// Routes (RTM_*ROUTE): Route <-> rtmsg + RTA_* attributes. Pure. Single-path routes only.
// encodeRoute writes attributes in the kernel's IPv4 order (fib_dump_info): an IPv4
// RTM_NEWROUTE from the kernel re-encodes byte for byte. The table always goes in
// RTA_TABLE too, so tables above 255 work (rtm_table then says RT_TABLE_COMPAT).
import { mustParseIP } from '../ip';
import { Attrs, concat, decodeRtMsg, encodeRtMsg, nla, type RtMsg } from './codec';
import { AF, RTA, RTAX, RTM_F, RTN, RTNH_F, RTPROT, RT_SCOPE, RT_TABLE } from './constants';
import { parseCidr } from './addr';

export interface RouteMetrics { mtu?: number; advmss?: number; hoplimit?: number; initcwnd?: number }

export interface Route {
  family: number;
  /** destination network address; absent for a default route (dstLen 0) */
  dst?: string;
  dstLen: number;
  src?: string;
  srcLen: number;
  tos: number;
  /** full table id (RTA_TABLE) */
  table: number;
  protocol: number;
  scope: number;
  type: number;
  /** rtm_flags (RTNH_F_*, RTM_F_*) */
  flags: number;
  priority?: number;
  prefsrc?: string;
  gateway?: string;
  oif?: number;
  iif?: number;
  metrics?: RouteMetrics;
}

const METRICS = { mtu: RTAX.MTU, advmss: RTAX.ADVMSS, hoplimit: RTAX.HOPLIMIT, initcwnd: RTAX.INITCWND } as const;
const metricNames = Object.keys(METRICS) as (keyof RouteMetrics)[];

export function decodeRoute(payload: Uint8Array): Route {
  const h = decodeRtMsg(payload);
  const a = new Attrs(payload.subarray(12));
  const r: Route = {
    family: h.family, dstLen: h.dstLen, srcLen: h.srcLen, tos: h.tos, table: a.u32(RTA.TABLE) ?? h.table,
    protocol: h.protocol, scope: h.scope, type: h.type, flags: h.flags,
  };
  const opt = { dst: a.ip(RTA.DST), src: a.ip(RTA.SRC), priority: a.u32(RTA.PRIORITY), prefsrc: a.ip(RTA.PREFSRC), gateway: a.ip(RTA.GATEWAY), oif: a.u32(RTA.OIF), iif: a.u32(RTA.IIF) };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) Object.assign(r, { [k]: v });
  const m = a.nested(RTA.METRICS);
  if (m) {
    const metrics: RouteMetrics = {};
    for (const k of metricNames) { const v = m.u32(METRICS[k]); if (v !== undefined) metrics[k] = v; }
    r.metrics = metrics;
  }
  return r;
}

/** RTM_NEWROUTE/RTM_DELROUTE payload of `r`. */
export function encodeRoute(r: Route): Uint8Array {
  const head: RtMsg = { ...r, table: r.table < 256 ? r.table : RT_TABLE.COMPAT };
  const parts = [encodeRtMsg(head), nla.u32(RTA.TABLE, r.table)];
  const ip = (type: number, text: string | undefined): void => { if (text !== undefined) parts.push(nla.raw(type, mustParseIP(text))); };
  ip(RTA.DST, r.dst);
  ip(RTA.SRC, r.src);
  if (r.iif !== undefined) parts.push(nla.u32(RTA.IIF, r.iif));
  if (r.priority !== undefined) parts.push(nla.u32(RTA.PRIORITY, r.priority));
  if (r.metrics) {
    const m = metricNames.flatMap((k) => (r.metrics?.[k] === undefined ? [] : [nla.u32(METRICS[k], r.metrics[k])]));
    if (m.length) parts.push(nla.nest(RTA.METRICS, ...m));
  }
  ip(RTA.PREFSRC, r.prefsrc);
  ip(RTA.GATEWAY, r.gateway);
  if (r.oif !== undefined) parts.push(nla.u32(RTA.OIF, r.oif));
  return concat(parts);
}

/** A route to add or delete; what the CNI result's routes and the plugins' own routes need. */
export interface RouteSpec {
  /** "10.2.0.0/16", "fd00::/64"; omitted or "0.0.0.0/0" / "::/0" = default route (then give `family` or a gateway) */
  dst?: string;
  family?: number;
  gateway?: string | undefined;
  oif?: number;
  priority?: number;
  /** default main (254) */
  table?: number;
  /** default: link scope without a gateway, universe with one (as `ip route` picks) */
  scope?: number;
  /** default RTPROT_BOOT, as iproute2 and vishvananda/netlink */
  protocol?: number;
  /** default RTN_UNICAST */
  type?: number;
  /** preferred source (RTA_PREFSRC) */
  src?: string;
  mtu?: number;
  advmss?: number;
  /** RTNH_F_ONLINK: the gateway is on the link even if no prefix covers it */
  onlink?: boolean;
}

export function routeFromSpec(s: RouteSpec): Route {
  const dst = s.dst === undefined ? undefined : parseCidr(s.dst);
  const fam = (text: string): number => (mustParseIP(text).length === 4 ? AF.INET : AF.INET6);
  const family = s.family ?? (dst ? (dst.bytes.length === 4 ? AF.INET : AF.INET6) : s.gateway ? fam(s.gateway) : AF.INET);
  for (const [what, text] of [['gateway', s.gateway], ['src', s.src]] as const) {
    if (text !== undefined && fam(text) !== family) throw new TypeError(`route ${s.dst ?? 'default'}: ${what} ${text} is not of the destination's family`);
  }
  const r: Route = {
    family, dstLen: dst?.prefixLen ?? 0, srcLen: 0, tos: 0, table: s.table ?? RT_TABLE.MAIN,
    protocol: s.protocol ?? RTPROT.BOOT, scope: s.scope ?? (s.gateway ? RT_SCOPE.UNIVERSE : RT_SCOPE.LINK),
    type: s.type ?? RTN.UNICAST, flags: s.onlink ? RTNH_F.ONLINK : 0,
  };
  if (dst && dst.prefixLen > 0) r.dst = dst.address;
  if (s.priority !== undefined) r.priority = s.priority;
  if (s.src !== undefined) r.prefsrc = s.src;
  if (s.gateway !== undefined) r.gateway = s.gateway;
  if (s.oif !== undefined) r.oif = s.oif;
  if (s.mtu !== undefined || s.advmss !== undefined) {
    r.metrics = {};
    if (s.mtu !== undefined) r.metrics.mtu = s.mtu;
    if (s.advmss !== undefined) r.metrics.advmss = s.advmss;
  }
  return r;
}

export interface RouteFilter {
  family?: number;
  /** default main; 0 = every table */
  table?: number;
  oif?: number;
  protocol?: number;
  type?: number;
}

/** RTM_GETROUTE dump payload; with strict checking the kernel filters by table and oif itself. */
export function encodeRouteDump(f: RouteFilter): Uint8Array {
  const table = f.table ?? RT_TABLE.MAIN;
  const parts = [encodeRtMsg({
    family: f.family ?? AF.UNSPEC, dstLen: 0, srcLen: 0, tos: 0, table: table < 256 ? table : RT_TABLE.UNSPEC,
    protocol: f.protocol ?? 0, scope: 0, type: f.type ?? 0, flags: 0,
  })];
  if (table) parts.push(nla.u32(RTA.TABLE, table));
  if (f.oif !== undefined) parts.push(nla.u32(RTA.OIF, f.oif));
  return concat(parts);
}

/** The filter applied again in userspace (older kernels ignore it), minus cached clones. */
export function routeMatches(r: Route, f: RouteFilter): boolean {
  const table = f.table ?? RT_TABLE.MAIN;
  return !(r.flags & RTM_F.CLONED)
    && (f.family === undefined || f.family === AF.UNSPEC || r.family === f.family)
    && (table === 0 || r.table === table)
    && (f.oif === undefined || r.oif === f.oif)
    && (f.protocol === undefined || r.protocol === f.protocol)
    && (f.type === undefined || r.type === f.type);
}
