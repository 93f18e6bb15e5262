// macvlan: one macvlan per container on a master interface (bridge, private, vepa or
// passthru), addresses from IPAM or none (L2 only) — the reference v1.9.1's kernel
// objects, with a failed ADD undone completely.
import { lazyFuncs, type Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';

// the verbs' code is imported on the first call: VERSION, and a bun exec of another
// plugin, never initialize it
export const plugin: Plugin = { name: 'macvlan', funcs: lazyFuncs(() => import('./verbs')), versions: allVersions };
