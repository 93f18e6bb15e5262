// portmap: a chained plugin publishing container ports on the host (runtimeConfig.portMappings)
// with the reference v1.9.1's iptables or nftables objects, written in one transaction per
// address family; passes prevResult through.
import { lazyFuncs, type Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';

// the verbs' code is imported on the first call: VERSION, and a bun exec of another
// plugin, never initialize it
export const plugin: Plugin = { name: 'portmap', funcs: lazyFuncs(() => import('./verbs')), versions: allVersions };
