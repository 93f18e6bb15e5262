// Public surface of lib/netlink. Plugins import from here; the transport stays inside.
export { withNetns, openNetlink, netnsExists, netnsId, NetnsError } from './netns';
export { Netlink, DUMP_ATTEMPTS } from './rtnl';
export { NetlinkError, isErrno } from './errors';
export { deleteConntrackByDstPort, NETLINK_NETFILTER } from './conntrack';
export type { Link, LinkSpec, LinkChange, LinkCommon, VethPeer } from './link';
export type { LinkData, BridgeOptions, VxlanOptions, MacvlanMode, IpvlanMode, IpvlanFlag } from './link-kinds';
export type { BridgePort, BridgeVlan, BridgeVlanTarget } from './bridge';
export type { Addr, AddrSpec, AddrCacheInfo } from './addr';
export type { Route, RouteSpec, RouteFilter, RouteMetrics } from './route';
export type { Neigh, NeighSpec } from './neigh';
export { AF, IFF, IFA_F, RTN, RTPROT, RT_SCOPE, RT_TABLE, NUD, NTF } from './constants';
export { parseCidr } from './addr';
