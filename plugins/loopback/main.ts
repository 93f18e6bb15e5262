// loopback: `lo` up on ADD, down on DEL, CHECK that it is up — the reference v1.9.1's
// behaviour, including its result (lo, MAC 00:00:00:00:00:00, its first v4 and v6 address)
// or prevResult passed through unchanged when it is chained.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check, del } from './del';

export const plugin: Plugin = { name: 'loopback', funcs: { add, del, check }, versions: allVersions };
