// firewall ADD: the backend's rules (iptables: one read and one restore per family), then
// the ingress policy's isolation chains (always iptables, as the reference) in the same
// restore; prevResult goes on unchanged. A failure removes the container's own rules again
// (the shared chains and jumps stay, as they would after a DEL).
import type { CmdArgs } from '../../lib/cni/plugin';
import type { Result } from '../../lib/cni/types/current';
import { withUndo } from '../../lib/undo';
import { all, byFamily, chooseBackend } from './backend';
import { loadConfig, requireBridge, requirePrev } from './config';
import { addSources, removeSources } from './firewalld';
import { apply, forwardSteps, isolationSteps, removeHosts } from './iptables';

export async function add(args: CmdArgs): Promise<Result> {
  const conf = loadConfig(args);
  requirePrev(conf);
  requireBridge(conf);
  const backend = await chooseBackend(conf);
  const families = byFamily(conf.hosts);
  await withUndo(async (undo) => {
    if (backend === 'firewalld') {
      undo.push('firewalld sources', () => removeSources(conf.zone, conf.hosts));
      await addSources(conf.zone, conf.hosts);
    } else {
      undo.push('iptables rules', () => all([...families].map(([f, hosts]) => removeHosts(f, hosts))));
    }
    const isolation = conf.ingressPolicy === 'open' ? [] : isolationSteps(conf.bridge, conf.ingressPolicy === 'isolated');
    await all([...families].map(([f, hosts]) => apply(f, [...(backend === 'iptables' ? forwardSteps(conf.adminChain, hosts) : []), ...isolation])));
  }, (line) => args.stderr(`${line}\n`));
  return conf.prevResult!;
}
