// Interface plumbing shared by bridge, macvlan and ipvlan (the reference's
// pkg/ip and pkg/ipam ConfigureIface), over a netns-bound netlink handle.
import { CniError, Code } from '../cni/errors';
import type { IPConfig, Result, Route } from '../cni/types/current';
import { formatIP, maskIP, mustParseCIDR, nextIP } from '../ip';
import { AF, IFA_F, type Link, type Netlink, NetlinkError } from '../netlink';

/** Writes a sysctl, ignoring a missing file (IPv6 disabled: plugins#102). */
export function trySysctl(nl: Netlink, rel: string, value: string): void {
  try {
    nl.sysctl(rel, value);
  } catch {
    // best effort, as the reference
  }
}

const isV6 = (cidr: string): boolean => cidr.includes(':');

/** The link of every `ips[i]` whose interface index points at ifName (ConfigureIface). */
export function ipsFor(result: Result, ifName: string): IPConfig[] {
  const ifaces = result.interfaces ?? [];
  return (result.ips ?? []).filter((ip) => {
    if (ip.interface === undefined) return false;
    const i = ifaces[ip.interface];
    if (!i) throw new CniError(Code.Internal, `failed to add IP addr ${ip.address} to "${ifName}": invalid interface index`);
    return i.name === ifName;
  });
}

/**
 * Inside the container netns: addresses, link up, DAD settle when an IPv6 gateway
 * is present, then routes (each gw defaults to the first gateway of its family).
 */
export async function configureIface(nl: Netlink, ifName: string, result: Result): Promise<void> {
  const link = nl.linkByName(ifName);
  const ips = ipsFor(result, ifName);
  let v6 = false;
  for (const ip of ips) {
    if (isV6(ip.address) && !v6) {
      v6 = true;
      for (const name of ['lo', ifName]) {
        if (nl.sysctl(`net/ipv6/conf/${name}/disable_ipv6`) !== '0') nl.sysctl(`net/ipv6/conf/${name}/disable_ipv6`, '0');
      }
      trySysctl(nl, `net/ipv6/conf/${ifName}/keep_addr_on_down`, '1');
    }
    try {
      nl.addAddr(link.index, ip.address);
    } catch (err) {
      throw new CniError(Code.Internal, `failed to add IP addr ${ip.address} to "${ifName}": ${(err as Error).message}`, '', { cause: err });
    }
  }
  nl.setLink(link.index, { up: true });
  if (ips.some((ip) => ip.gateway && isV6(ip.gateway))) await settleAddresses(nl, ifName, 5000);
  for (const r of result.routes ?? []) addRoute(nl, link, r, ips);
}

function addRoute(nl: Netlink, link: Link, r: Route, ips: IPConfig[]): void {
  const fam = isV6(r.dst);
  const gw = r.gw ?? ips.find((ip) => ip.gateway && isV6(ip.gateway) === fam)?.gateway;
  try {
    nl.addRoute({
      dst: r.dst, gateway: gw, oif: link.index,
      ...(r.priority !== undefined && { priority: r.priority }),
      ...(r.table !== undefined && { table: r.table }),
      ...(r.scope !== undefined && { scope: r.scope }),
    });
  } catch (err) {
    if (err instanceof NetlinkError && err.code === 'EEXIST') return;
    throw new CniError(Code.Internal, `failed to add route '${r.dst} via ${gw ?? '<nil>'} dev ${link.name}': ${(err as Error).message}`, '', { cause: err });
  }
}

/** Waits until no IPv6 address of ifName is tentative; DAD failure is an error; timeout only if the link is up. */
export async function settleAddresses(nl: Netlink, ifName: string, timeoutMs: number): Promise<void> {
  const link = nl.linkByName(ifName);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const addrs = nl.addrs(link.index, AF.INET6);
    const failed = addrs.find((a) => a.flags & IFA_F.DADFAILED);
    if (failed) throw new CniError(Code.Internal, `link ${ifName} has address ${failed.address} in DADFAILED state`);
    if (!addrs.some((a) => a.flags & IFA_F.TENTATIVE)) return;
    if (Date.now() > deadline) {
      if (nl.linkByIndex(link.index).operState === 6 /* IF_OPER_UP */) {
        throw new CniError(Code.Internal, `link ${ifName} still has tentative addresses after ${timeoutMs / 1000}s`);
      }
      return;
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/**
 * Gateway = network address + 1 when the IPAM result has none (bridge calcGateways). Printed
 * in the 'netlink' style as it always was (results carry Go-canonical addresses, so the
 * v4-mapped case where that differs from Go's text does not arise).
 */
export function defaultGateway(cidr: string): string {
  const c = mustParseCIDR(cidr, { bare: true });
  return formatIP(nextIP(maskIP(c.ip, c.prefix)), 'netlink');
}

/** Sleeps 0, 50, 500, 1000, 1000 ms until the link is oper-up (bridge.go, plugins#463). */
export async function waitOperUp(nl: Netlink, index: number): Promise<void> {
  let state = 0;
  for (const ms of [0, 50, 500, 1000, 1000]) {
    if (ms) await new Promise((ok) => setTimeout(ok, ms));
    state = nl.linkByIndex(index).operState ?? 0;
    if (state === 6) return;
  }
  const names = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];
  throw new CniError(Code.Internal, `bridge port in error state: ${names[state] ?? state}`);
}
