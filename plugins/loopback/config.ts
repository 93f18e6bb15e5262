// The loopback config: the common keys, prevResult parsed in the config's version.
import { type CommonConf, commonConf } from '../../lib/cni/conf';
import type { CmdArgs } from '../../lib/cni/plugin';
import { validate } from '../../lib/cni/validate';
import check from './generated/validate.cjs';

export function loadConfig(args: CmdArgs): CommonConf {
  return commonConf(args, validate(check, args.conf));
}
