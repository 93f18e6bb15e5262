// tuning: a chained plugin that changes the container interface (mac, mtu, promisc,
// allmulti, txQLen) and net.* sysctls of the container netns, keeps the originals in the
// reference's file (dataDir/<containerID>_<ifname>.json) and restores them on DEL, so either
// implementation restores after the other.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check } from './check';
import { del } from './del';

export const plugin: Plugin = { name: 'tuning', funcs: { add, del, check }, versions: allVersions };
