// loopback: `lo` up on ADD, down on DEL, CHECK that it is up — the reference v1.9.1's
// behaviour, including its result (lo, MAC 00:00:00:00:00:00, its first v4 and v6 address)
// or prevResult passed through unchanged when it is chained.
import { lazyFuncs, type Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';

// the verbs' code is imported on the first call: VERSION, and a bun exec of another
// plugin, never initialize it
export const plugin: Plugin = { name: 'loopback', funcs: lazyFuncs(() => import('./verbs')), versions: allVersions };
