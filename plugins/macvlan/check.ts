// macvlan CHECK: prevResult against the kernel — the master exists (and the MTU still
// fits it), the container link exists, is a macvlan of the configured mode with
// prevResult's MAC, and has its addresses and routes. IPAM is consulted when configured.
import type { CmdArgs } from '../../lib/cni/plugin';
import { checkLinkPlugin } from '../../lib/link';
import { loadConfig } from './config';

export async function check(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  await checkLinkPlugin(args, conf, 'macvlan', { mode: conf.mode }, true);
}
