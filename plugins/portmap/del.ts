// portmap DEL: removes the container's objects found by name (iptables chain CNI-DN-<hash of
// network + container ID>) or by comment (nftables rules carry the container ID), so it needs
// neither prevResult nor the netns. Absent objects are fine. Like the reference, a DEL without
// runtimeConfig.portMappings does nothing (ADD then made nothing either).
import { CniError, Code } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { mappers } from './backend';
import { loadConfig } from './config';

export async function del(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args, false);
  if (conf.mappings.length === 0) return;
  try {
    await mappers[conf.backend].unforward(conf);
  } catch (e) {
    throw new CniError(Code.Internal, `portmap: ${(e as Error).message}`, '', { cause: e });
  }
}
