// macvlan: one macvlan per container on a master interface (bridge, private, vepa or
// passthru), addresses from IPAM or none (L2 only) — the reference v1.9.1's kernel
// objects, with a failed ADD undone completely.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check } from './check';
import { linkPluginVerbs } from '../../lib/link';
import { loadIpamType } from './config';

export const plugin: Plugin = { name: 'macvlan', funcs: { add, check, ...linkPluginVerbs(loadIpamType) }, versions: allVersions };

