// Every plugin of the suite, by directory: plugins/<name>/main.ts and ipam/<name>/main.ts
// each export `plugin`. Kept in sync with the directories by test/unit/registry.test.ts.
import type { Plugin } from '../lib/cni/plugin';
import { plugin as hostLocal } from '../ipam/host-local/main';

export const plugins: readonly Plugin[] = [hostLocal];
