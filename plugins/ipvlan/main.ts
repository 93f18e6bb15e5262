// ipvlan: one ipvlan per container on a master interface (l2, l3 or l3s; flags bridge,
// private or vepa), addresses from IPAM or a previous plugin's result — the reference
// v1.9.1's kernel objects, with a failed ADD undone completely.
import { lazyFuncs, type Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';

// the verbs' code is imported on the first call: VERSION, and a bun exec of another
// plugin, never initialize it
export const plugin: Plugin = { name: 'ipvlan', funcs: lazyFuncs(() => import('./verbs')), versions: allVersions };
