// Every plugin of the suite, by directory: plugins/<name>/main.ts and ipam/<name>/main.ts
// each export `plugin` (and `warmup`, a side-effect free variant for the snapshot).
// Kept in sync with the directories by test/unit/registry.test.ts.
import type { Plugin } from '../lib/cni/plugin';
import * as hostLocal from '../ipam/host-local/main';
import * as bridge from '../plugins/bridge/main';
import * as ipvlan from '../plugins/ipvlan/main';
import * as macvlan from '../plugins/macvlan/main';
import type { Warmup } from './warmup';

const all = [bridge, macvlan, ipvlan, hostLocal];
export const plugins: readonly Plugin[] = all.map((m) => m.plugin);
export const warmups: readonly Warmup[] = all.map((m) => m.warmup);
