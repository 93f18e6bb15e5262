// bridge: one Linux bridge per network, a veth per container, addresses from IPAM,
// optional gateway, masquerade and MAC spoof check — the reference v1.9.1's kernel
// objects, with a failed ADD undone completely.
import { lazyFuncs, type Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';

// the verbs' code is imported on the first call: VERSION, and a bun exec of another
// plugin, never initialize it
export const plugin: Plugin = { name: 'bridge', funcs: lazyFuncs(() => import('./verbs')), versions: allVersions };
