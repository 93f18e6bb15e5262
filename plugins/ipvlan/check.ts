// ipvlan CHECK: prevResult against the kernel — a configured master exists (and the MTU
// still fits it), the container link exists, is an ipvlan of the configured mode and flag
// with prevResult's MAC, and has its addresses and routes. Without `master` the link's
// existence vouches for its lower device (the reference fails every such CHECK).
import type { CmdArgs } from '../../lib/cni/plugin';
import { checkLinkPlugin } from '../../lib/link';
import { loadConfig } from './config';

export async function check(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  await checkLinkPlugin(args, conf, 'ipvlan', { mode: conf.mode, flag: conf.flag }, false);
}
