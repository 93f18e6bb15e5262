// portmap CHECK: the rules of every address family the container has, and the shared objects
// they depend on. (The reference v1.1.1 looks for the IPv4 rules in ip6tables too, so its
// CHECK fails for every container.)
import { CniError, Code } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { mappers } from './backend';
import { loadConfig } from './config';

export async function check(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  if (!conf.prevResult) throw new CniError(Code.Internal, 'Required prevResult missing');
  if (conf.mappings.length === 0) return;
  try {
    await mappers[conf.backend].check(conf);
  } catch (e) {
    throw new CniError(Code.Internal, (e as Error).message, '', { cause: e });
  }
}
