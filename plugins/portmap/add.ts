// portmap ADD: DNAT (and the masquerade marks) from the host's ports to the container's
// addresses in prevResult, then route_localnet on the host interface that routes to the
// container, so 127.0.0.1:hostPort works. prevResult is passed through as the result.
import { badConf } from '../../lib/cni/conf';
import { CniError, Code } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import type { Result } from '../../lib/cni/types/current';
import { type IPPrefix, maskIP } from '../../lib/ip';
import { AF, deleteConntrackByDstPort, type Netlink, openNetlink, parseCidr } from '../../lib/netlink';
import { withUndo } from '../../lib/undo';
import { mappers } from './backend';
import { loadConfig, type PortMapConf } from './config';

export async function add(args: CmdArgs): Promise<Result> {
  const conf = loadConfig(args);
  if (!conf.prevResult) throw badConf('prevResult', 'must be called as chained plugin');
  if (conf.mappings.length === 0 || (!conf.addrs[4] && !conf.addrs[6])) return conf.prevResult;
  const mapper = mappers[conf.backend];
  await withUndo(async (undo) => {
    // one atomic write per family: a family that failed left nothing, the other is undone here
    undo.push('port mappings', () => mapper.unforward(conf));
    try {
      await mapper.forward(conf);
    } catch (e) {
      throw new CniError(Code.Internal, `portmap: ${(e as Error).message}`, '', { cause: e });
    }
    forgetStaleUdp(conf, args);
    const v4 = conf.addrs[4];
    if (v4 && conf.snat) {
      const nl = openNetlink(null);
      try {
        enableLocalnetRouting(nl, v4);
      } finally {
        nl.close();
      }
    }
  }, (line) => args.stderr(`${line}\n`));
  return conf.prevResult;
}

/**
 * route_localnet=1 on the interface that routes to the container (getRoutableHostIF), so
 * packets from 127.0.0.1 DNAT'ed to it are not dropped as martians. The reference asks the
 * kernel (RTM_GETROUTE); we take the longest matching route of the main table, which is the
 * same interface unless policy routing sends the container's traffic elsewhere.
 */
function enableLocalnetRouting(nl: Netlink, addr: IPPrefix): void {
  let best: { len: number; oif: number } | undefined;
  for (const r of nl.routes({ family: AF.INET })) {
    if (r.oif === undefined || r.type !== 1 /* unicast */) continue;
    const len = r.dstLen;
    if (best && len <= best.len) continue;
    const net = r.dst ? parseCidr(`${r.dst}/${len}`).bytes : new Uint8Array(4);
    if (maskIP(addr.ip, len).every((b, i) => b === net[i])) best = { len, oif: r.oif };
  }
  if (!best) return; // the reference does nothing either
  const name = nl.linkByIndex(best.oif).name;
  try {
    nl.sysctl(`net/ipv4/conf/${name}/route_localnet`, '1');
  } catch (e) {
    throw new CniError(Code.Internal, `unable to enable route_localnet: ${(e as Error).message}`, '', { cause: e });
  }
}

/**
 * UDP flows to a published host port that conntrack saw before the DNAT existed would keep
 * bypassing it: their entries are deleted once the rules are in (deletePortmapStaleConnections).
 * Failures are informative only, as in the reference.
 */
function forgetStaleUdp(conf: PortMapConf, args: CmdArgs): void {
  const ports = conf.mappings.filter((m) => m.protocol === 'udp').map((m) => m.hostPort);
  if (ports.length === 0) return;
  for (const family of [4, 6] as const) {
    if (!conf.addrs[family]) continue;
    try {
      deleteConntrackByDstPort(family === 4 ? AF.INET : AF.INET6, 17, ports);
    } catch (e) {
      args.stderr(`failed to delete stale UDP conntrack entries for IPv${family}: ${(e as Error).message}\n`);
    }
  }
}
