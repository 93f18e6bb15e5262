// A link made straight into the container netns under a temporary name, then renamed
// there (as the reference's macvlan and ipvlan do), its deletion on the undo stack.
import { closeSync, openSync } from 'node:fs';
import { type CniError, internal } from '../cni/errors';
import { type Link, type LinkSpec, type Netlink, NetlinkError } from '../netlink';
import type { Undo } from '../undo';
import { checkMtu, findMaster } from './master';
import { randomVethName } from './names';

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
 * ADD's first half for macvlan and ipvlan: the master (named, or the default-route
 * interface of the netns it lives in), the MTU checked against it, and the link made on it
 * straight into the container netns by `make(tempName, masterIndex)`.
 */
export function createOnMaster(
  p: Placement, conf: { master: string; mtu: number }, make: (name: string, master: number) => LinkSpec, undo: Undo,
): Link {
  const master = findMaster(p.host ?? p.cont, conf.master, p.host ? 'the host netns' : p.netns);
  checkMtu(conf.mtu, master);
  return createInContainer(p, (name) => make(name, master.index), undo);
}
