// ipvlan DEL, STATUS, GC. Unlike the reference, DEL resolves no master (it needs no
// default route, no netns, no prevResult): it removes the link if it is still there and
// releases the lease.
import { delegate } from '../../lib/cni/invoke';
import type { CmdArgs } from '../../lib/cni/plugin';
import { delFromNetns } from '../../lib/link-plugins';
import { loadIpamType } from './config';

export async function del(args: CmdArgs): Promise<void> {
  const ipamType = loadIpamType(args);
  delFromNetns(args.netns, args.ifName);
  if (ipamType) await delegate(ipamType, 'DEL', args);
}

export async function status(args: CmdArgs): Promise<void> {
  const ipamType = loadIpamType(args);
  if (ipamType) await delegate(ipamType, 'STATUS', args);
}

/** Beyond the reference (no GC): forwarded to IPAM, which releases stale leases. */
export async function gc(args: CmdArgs): Promise<void> {
  const ipamType = loadIpamType(args);
  if (ipamType) await delegate(ipamType, 'GC', args);
}
