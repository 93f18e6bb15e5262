// host-local IPAM: leases in <dataDir>/<network>/, one file per address, shared
// byte-for-byte with the reference Go plugin. The work is in ./host-local.ts.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { hostLocalFuncs } from './host-local';

export const plugin: Plugin = { name: 'host-local', funcs: hostLocalFuncs, versions: allVersions };

