// ipvlan: one ipvlan per container on a master interface (l2, l3 or l3s; flags bridge,
// private or vepa), addresses from IPAM or a previous plugin's result — the reference
// v1.9.1's kernel objects, with a failed ADD undone completely.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check } from './check';
import { linkPluginVerbs } from '../../lib/link';
import { loadIpamType } from './config';

export const plugin: Plugin = { name: 'ipvlan', funcs: { add, check, ...linkPluginVerbs(loadIpamType) }, versions: allVersions };

