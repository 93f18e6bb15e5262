// bridge CHECK: prevResult against the kernel. Unlike the reference, IPAM is
// only consulted when there is one (L2-only configs pass), and masquerade rules
// are verified too.
import { CniError, Code } from '../../lib/cni/errors';
import { delegate } from '../../lib/cni/invoke';
import type { CmdArgs } from '../../lib/cni/plugin';
import { ipsFor, openNetns } from '../../lib/link';
import { checkIPMasq } from '../../lib/masq';
import { AF, withNetns } from '../../lib/netlink';
import { loadConfig } from './config';

const fail = (msg: string): CniError => new CniError(Code.Internal, msg);

export async function check(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  if (conf.ipamType) await delegate(conf.ipamType, 'CHECK', args);
  const prev = conf.prevResult;
  if (!prev) throw fail('Required prevResult missing');
  const ifaces = prev.interfaces ?? [];
  const brEntry = ifaces.find((i) => i.name === conf.bridge && !i.sandbox);
  const contEntry = ifaces.find((i) => i.name === args.ifName && i.sandbox === args.netns);
  if (!brEntry) throw fail(`bridge ${conf.bridge} not found in prevResult`);
  if (!contEntry) throw fail(`interface ${args.ifName} with sandbox ${args.netns} not found in prevResult`);

  const contLink = (() => {
    const nl = openNetns(args.netns);
    try {
      const link = nl.findLink(args.ifName);
      if (!link) throw fail(`Container interface ${args.ifName} not found in ${args.netns}`);
      if (link.kind !== 'veth') throw fail(`Container interface ${args.ifName} is not of type veth`);
      if (contEntry.mac && link.mac !== contEntry.mac) throw fail(`Interface ${args.ifName} MAC ${link.mac} does not match prevResult ${contEntry.mac}`);
      const have = nl.addrs(link.index).map((a) => `${a.address}/${a.prefixLen}`);
      for (const ip of ipsFor(prev, args.ifName)) {
        if (!have.includes(ip.address)) throw fail(`Failed to match addr ${ip.address} on interface ${args.ifName}`);
      }
      const routes = [...nl.routes({ family: AF.INET }), ...nl.routes({ family: AF.INET6 })];
      for (const r of prev.routes ?? []) {
        const dst = r.dst === '0.0.0.0/0' || r.dst === '::/0' ? undefined : r.dst;
        const found = routes.some((k) => (dst ? `${k.dst}/${k.dstLen}` === dst : k.dstLen === 0 && (!r.gw || k.gateway === r.gw)));
        if (!found) throw fail(`Failed to match route ${r.dst} via ${r.gw ?? '<nil>'} on interface ${args.ifName}`);
      }
      return link;
    } finally {
      nl.close();
    }
  })();

  await withNetns(null, (nl) => {
    const br = nl.findLink(conf.bridge);
    if (!br) throw fail(`Error finding bridge ${conf.bridge}`);
    if (br.kind !== 'bridge') throw fail(`Error: ${conf.bridge} is not a bridge`);
    if (brEntry.mac && br.mac !== brEntry.mac) throw fail(`Bridge ${conf.bridge} MAC ${br.mac} does not match prevResult ${brEntry.mac}`);
    if (((br.flags & 0x100) !== 0) !== conf.promiscMode) throw fail(`Bridge ${conf.bridge} promiscuous mode does not match the configuration`);
    const hostVeth = contLink.parent !== undefined ? nl.links({ master: br.index }).find((l) => l.index === contLink.parent) : undefined;
    if (!hostVeth || !ifaces.some((i) => i.name === hostVeth.name && !i.sandbox && (!i.mac || i.mac === hostVeth.mac))) {
      throw fail(`host veth of ${args.ifName} not found on bridge ${conf.bridge} as in prevResult`);
    }
  });
  if (conf.ipMasq) {
    const cidrs = ipsFor(prev, args.ifName).map((ip) => ip.address);
    if (cidrs.length) await checkIPMasq(conf.ipMasqBackend, cidrs, conf.name, args.ifName, args.containerID);
  }
}
