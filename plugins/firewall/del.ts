// firewall DEL and CHECK. DEL removes the container's own rules (or firewalld sources) and
// never the shared chains, jumps or isolation rules (other containers use them), as the
// reference; like it, DEL does not fail on netfilter errors. CHECK verifies the backend's rules.
import { internal } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { all, byFamily, chooseBackend } from './backend';
import { loadConfig, requirePrev } from './config';
import { checkSources, firewalldRunning, removeSources } from './firewalld';
import { missing, removeHosts } from './iptables';

export async function del(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args, false);
  if (conf.hosts.length === 0) return;
  const backend = await chooseBackend(conf, { lenient: true });
  if (backend === 'firewalld') {
    // a firewalld that is not running has no runtime sources left to remove
    if (await firewalldRunning()) await removeSources(conf.zone, conf.hosts);
    return;
  }
  await all([...byFamily(conf.hosts)].map(([f, hosts]) => removeHosts(f, hosts)))
    .catch((err: Error) => args.stderr(`firewall: ${err.message}\n`));
}

export async function check(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  requirePrev(conf);
  const backend = await chooseBackend(conf);
  if (backend === 'firewalld') return checkSources(conf.zone, conf.hosts);
  for (const [f, hosts] of byFamily(conf.hosts)) {
    const why = await missing(f, conf.adminChain, hosts);
    if (why) throw internal(why);
  }
}
