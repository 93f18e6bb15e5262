// CHECK inside the container: prevResult's interface, addresses and routes against the kernel.
import { type CniError, internal } from '../cni/errors';
import { delegate } from '../cni/invoke';
import type { CmdArgs } from '../cni/plugin';
import type { Result } from '../cni/types/current';
import { AF, type Netlink, parseCidr, withNetns } from '../netlink';
import { ipsFor } from './iface';
import { checkMtu, findMaster } from './master';
import { openNetns } from './netns';

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
