// host-local IPAM: leases in <dataDir>/<network>/, one file per address, shared
// byte-for-byte with the reference Go plugin. The work is in ./host-local.ts.
import { lazyFuncs, type Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';

// the verbs' code is imported on the first call: VERSION, and a bun exec of another
// plugin, never initialize it
export const plugin: Plugin = { name: 'host-local', funcs: lazyFuncs(() => import('./verbs')), versions: allVersions };
