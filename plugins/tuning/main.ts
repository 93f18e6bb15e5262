// tuning: a chained plugin that changes the container interface (mac, mtu, promisc,
// allmulti, txQLen) and net.* sysctls of the container netns, keeps the originals in the
// reference's file (dataDir/<containerID>_<ifname>.json) and restores them on DEL, so either
// implementation restores after the other.
import { lazyFuncs, type Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';

// the verbs' code is imported on the first call: VERSION, and a bun exec of another
// plugin, never initialize it
export const plugin: Plugin = { name: 'tuning', funcs: lazyFuncs(() => import('./verbs')), versions: allVersions };
