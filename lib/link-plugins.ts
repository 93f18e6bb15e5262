// What macvlan and ipvlan share (the halves macvlan.go and ipvlan.go copy from each
// other): config errors, the master lookup, the temporary-name create-and-rename of a
// link made straight into the container netns, DEL, and CHECK against the kernel.
import { closeSync, openSync } from 'node:fs';
import { CniError, Code, internal } from './cni/errors';
import type { Result } from './cni/types/current';
import { ipsFor, randomVethName } from './iface';
import { AF, type Link, type LinkSpec, type Netlink, NetlinkError, netnsExists, openNetlink, parseCidr, RTN, withNetns } from './netlink';
import { delegate } from './cni/invoke';
import type { CmdArgs, PluginFuncs } from './cni/plugin';
import { type Undo, withUndo } from './undo';

/** A config error: code 7, details `<field>: <message>`. */
export const badConf = (field: string, msg: string): CniError =>
  new CniError(Code.InvalidNetworkConfig, 'invalid network configuration', `${field}: ${msg}`);

/** A handle on CNI_NETNS; an unusable path is a code 999 naming it. */
export function openNetns(netns: string): Netlink {
  try {
    return openNetlink(netns);
  } catch (err) {
    throw new CniError(Code.Internal, `failed to open netns "${netns}": ${(err as Error).message}`, '', { cause: err });
  }
}

/** The link of the first default route of the main table, any family (getDefaultRouteInterfaceName). */
export function defaultRouteLink(nl: Netlink): Link | undefined {
  const r = nl.routes({ family: AF.UNSPEC }).find((x) => x.dstLen === 0 && x.oif && x.type === RTN.UNICAST);
  return r?.oif ? nl.linkByIndex(r.oif) : undefined;
}

/**
 * The master link: `name`, or without one the default-route interface, looked up with `nl`
 * (the host's handle, or the container's for linkInContainer). Missing: code 7 naming `master`.
 */
export function findMaster(nl: Netlink, name: string, where: string): Link {
  if (!name) {
    const l = defaultRouteLink(nl);
    if (!l) throw badConf('master', `no master given and no default route interface found in ${where}`);
    return l;
  }
  const l = nl.findLink(name);
  if (!l) throw badConf('master', `failed to lookup master "${name}" in ${where}: link not found`);
  return l;
}

/** 0 ≤ mtu ≤ the master's MTU; 0 inherits. */
export function checkMtu(mtu: number, master: Link): void {
  const max = master.mtu ?? 65535;
  if (mtu < 0 || mtu > max) throw badConf('mtu', `invalid MTU ${mtu}, must be [0, master MTU(${max})]`);
}

export interface Placement {
  /** handle of the netns the plugin runs in; undefined with linkInContainer */
  host: Netlink | undefined;
  cont: Netlink;
  netns: string;
  ifName: string;
  kind: 'macvlan' | 'ipvlan';
}

/**
 * Creates the link `make(name)` under a temporary vethXXXXXXXX name directly in the container
 * netns (from the host with IFLA_NET_NS_FD, or from inside when the master lives there), then
 * renames it to ifName there. Its deletion is on `undo` from the moment it exists.
 */
export function createInContainer(p: Placement, make: (name: string) => LinkSpec, undo: Undo): Link {
  const { host, cont, ifName, kind } = p;
  if (cont.findLink(ifName)) throw internal(`failed to create ${kind}: interface "${ifName}" already exists in ${p.netns}`);
  const fd = host ? openSync(p.netns, 'r') : undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      const tmp = randomVethName();
      try {
        (host ?? cont).addLink({ ...make(tmp), ...(fd !== undefined && { nsFd: fd }) });
      } catch (err) {
        if (err instanceof NetlinkError && err.code === 'EEXIST' && attempt < 10) continue;
        throw createError(kind, err);
      }
      const { index } = cont.linkByName(tmp);
      undo.push(kind, () => {
        try {
          cont.delLink(index);
        } catch (err) {
          if (!(err instanceof NetlinkError && err.code === 'ENODEV')) throw err;
        }
      });
      try {
        cont.setLink(index, { name: ifName });
      } catch (err) {
        throw internal(`failed to rename ${kind} to "${ifName}": ${(err as Error).message}`, err);
      }
      return cont.linkByIndex(index);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function createError(kind: string, err: unknown): CniError {
  if (err instanceof NetlinkError && err.code === 'EOPNOTSUPP') {
    return internal(`failed to create ${kind}: unknown device type: this kernel has no ${kind} support (CONFIG_${kind.toUpperCase()}, modprobe ${kind})`, err);
  }
  return internal(`failed to create ${kind}: ${(err as Error).message}`, err);
}

/**
 * DEL's link half: removes ifName from the netns. Succeeds when CNI_NETNS is empty, the netns
 * is gone or is no netns, or the link is already gone (DEL may repeat).
 */
export function delFromNetns(netns: string, ifName: string): void {
  if (!netns) return;
  try {
    if (!netnsExists(netns)) return;
  } catch {
    return;
  }
  let nl: Netlink;
  try {
    nl = openNetlink(netns);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return; // deleted meanwhile
    throw err;
  }
  try {
    const link = nl.findLink(ifName);
    if (link) nl.delLink(link.index);
  } catch (err) {
    if (!(err instanceof NetlinkError && err.code === 'ENODEV')) throw err;
  } finally {
    nl.close();
  }
}

const fail = (msg: string): CniError => internal(msg);

/**
 * CHECK inside the container: ifName is in prevResult with this sandbox, exists, is of `kind`,
 * its IFLA_INFO_DATA fields equal `want` (mode, flag), its MAC is prevResult's, and it has
 * every address and route prevResult lists.
 */
export function checkContainer(cont: Netlink, prev: Result, netns: string, ifName: string, kind: string, want: Record<string, string>): void {
  const entry = (prev.interfaces ?? []).find((i) => i.name === ifName && i.sandbox === netns);
  if (!entry) throw fail(`interface ${ifName} with sandbox ${netns} not found in prevResult`);
  const link = cont.findLink(ifName);
  if (!link) throw fail(`container interface ${ifName} from prevResult not found in ${netns}`);
  if (link.kind !== kind) throw fail(`container interface ${ifName} is not of type ${kind}`);
  for (const [key, value] of Object.entries(want)) {
    const have = (link.data as Record<string, unknown> | undefined)?.[key];
    if (have !== value) throw fail(`container ${kind} ${key} ${String(have)} does not match expected value: ${value}`);
  }
  if (entry.mac && entry.mac !== link.mac) throw fail(`interface ${ifName} MAC ${entry.mac} doesn't match container MAC: ${link.mac}`);
  const have = cont.addrs(link.index).map((a) => `${a.address}/${a.prefixLen}`);
  for (const ip of ipsFor(prev, ifName)) {
    const c = parseCidr(ip.address);
    if (!have.includes(`${c.address}/${c.prefixLen}`)) throw fail(`failed to match addr ${ip.address} on interface ${ifName}`);
  }
  const routes = cont.routes({ family: AF.UNSPEC, table: 0 });
  for (const r of prev.routes ?? []) {
    const d = parseCidr(r.dst);
    const found = routes.some((k) => k.dstLen === d.prefixLen && (d.prefixLen === 0 || k.dst === d.address)
      && k.family === (d.bytes.length === 4 ? AF.INET : AF.INET6) && (!r.gw || k.gateway === parseCidr(r.gw).address));
    if (!found) throw fail(`failed to match route ${r.dst} via ${r.gw ?? '<nil>'} on interface ${ifName}`);
  }
}

/**
 * ADD's frame for macvlan and ipvlan: handles on the container netns (and the host's,
 * unless the master lives in the container), and an undo stack around `attach`.
 */
export async function addWithUndo(
  args: CmdArgs,
  linkInContainer: boolean,
  attach: (host: Netlink | undefined, cont: Netlink, undo: Undo) => Promise<Result>,
): Promise<Result> {
  const cont = openNetns(args.netns);
  let host: Netlink | undefined;
  try {
    if (!linkInContainer) host = openNetlink(null);
    const h = host;
    return await withUndo((undo) => attach(h, cont, undo), (line) => process.stderr.write(`${line}\n`));
  } finally {
    host?.close();
    cont.close();
  }
}

/**
 * DEL, STATUS and GC of a plugin whose state is one link in the container and an IPAM
 * lease. DEL reads no more of the config than the IPAM type (no master lookup), so it
 * succeeds whatever became of the master, the netns or the link; link first, then lease.
 */
export function linkPluginVerbs(loadIpamType: (args: CmdArgs) => string): Pick<PluginFuncs, 'del' | 'status' | 'gc'> {
  const forward = (verb: 'STATUS' | 'GC') => async (args: CmdArgs): Promise<void> => {
    const ipamType = loadIpamType(args);
    if (ipamType) await delegate(ipamType, verb, args);
  };
  return {
    async del(args) {
      const ipamType = loadIpamType(args);
      delFromNetns(args.netns, args.ifName);
      if (ipamType) await delegate(ipamType, 'DEL', args);
    },
    status: forward('STATUS'),
    // beyond the reference (no GC): IPAM releases the stale leases
    gc: forward('GC'),
  };
}

/**
 * CHECK for macvlan and ipvlan: IPAM first when configured, then prevResult against the
 * kernel — the master (when named, or always with `requireMaster`) and its MTU, and the
 * container link of `kind` with the IFLA_INFO_DATA fields in `want`.
 */
export async function checkLinkPlugin(
  args: CmdArgs,
  conf: { ipamType: string; prevResult?: Result; master: string; linkInContainer: boolean; mtu: number },
  kind: 'macvlan' | 'ipvlan',
  want: Record<string, string>,
  requireMaster: boolean,
): Promise<void> {
  if (conf.ipamType) await delegate(conf.ipamType, 'CHECK', args);
  const prev = conf.prevResult;
  if (!prev) throw internal('required prevResult missing');
  const cont = openNetns(args.netns);
  try {
    if (requireMaster || conf.master) {
      const master = conf.linkInContainer
        ? findMaster(cont, conf.master, args.netns)
        : await withNetns(null, (h) => findMaster(h, conf.master, 'the host netns'));
      checkMtu(conf.mtu, master);
    }
    checkContainer(cont, prev, args.netns, args.ifName, kind, want);
  } finally {
    cont.close();
  }
}
