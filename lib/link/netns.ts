// Handles on a container's network namespace, and the link half of a DEL there.
import { CniError, Code } from '../cni/errors';
import { type Netlink, NetlinkError, netnsExists, openNetlink } from '../netlink';

/** A handle on CNI_NETNS; an unusable path is a code 999 naming it. */
export function openNetns(netns: string): Netlink {
  try {
    return openNetlink(netns);
  } catch (err) {
    throw new CniError(Code.Internal, `failed to open netns "${netns}": ${(err as Error).message}`, '', { cause: err });
  }
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

