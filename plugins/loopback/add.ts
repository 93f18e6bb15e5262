// loopback ADD: `lo` up; the result names it with its first v4 and v6 address (the
// reference's), or is prevResult when chained. CNI_IFNAME is ignored: this only works on `lo`.
import { internal } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import type { IPConfig, Result } from '../../lib/cni/types/current';
import { openNetns } from '../../lib/link';
import { AF, type Netlink } from '../../lib/netlink';
import { loadConfig } from './config';

const LO = 'lo';

export async function add(args: CmdArgs): Promise<Result> {
  const conf = loadConfig(args);
  const nl = openNetns(args.netns);
  let ips: IPConfig[];
  try {
    const link = nl.linkByName(LO);
    nl.setLink(link.index, { up: true });
    ips = [firstLoopback(nl, link.index, AF.INET), firstLoopback(nl, link.index, AF.INET6)]
      .filter((a): a is string => a !== undefined)
      .map((address) => ({ interface: 0, address }));
  } finally {
    nl.close();
  }
  // chained after another plugin: its result goes through unchanged (converted on print)
  if (conf.prevResult) return conf.prevResult;
  return { cniVersion: conf.cniVersion, interfaces: [{ name: LO, mac: '00:00:00:00:00:00', sandbox: args.netns }], ...(ips.length && { ips }) };
}

/** The first address of one family, after checking that every one of them is a loopback address. */
function firstLoopback(nl: Netlink, index: number, family: number): string | undefined {
  const addrs = nl.addrs(index, family);
  for (const a of addrs) {
    const loopback = family === AF.INET ? a.address.startsWith('127.') : a.address === '::1';
    if (!loopback) throw internal(`loopback interface found with non-loopback address "${a.address}"`);
  }
  const first = addrs[0];
  return first && `${first.address}/${first.prefixLen}`;
}
