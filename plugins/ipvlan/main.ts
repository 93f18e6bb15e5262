// ipvlan: one ipvlan per container on a master interface (l2, l3 or l3s; flags bridge,
// private or vepa), addresses from IPAM or a previous plugin's result — the reference
// v1.9.1's kernel objects, with a failed ADD undone completely.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check } from './check';
import { linkPluginVerbs } from '../../lib/link-plugins';
import { loadIpamType } from './config';

export const plugin: Plugin = { name: 'ipvlan', funcs: { add, check, ...linkPluginVerbs(loadIpamType) }, versions: allVersions };

/**
 * Config parsing up to a validation error: every verb stops before touching the kernel
 * or spawning anything (the snapshot is being built; there is no netns). `flags` that is
 * no string fails the JSON types every verb checks.
 */
export const warmup = {
  plugin,
  conf: {
    name: 'warmup', type: 'ipvlan', master: 'cnitswarm0', mode: 'l3', mtu: 1400, linkInContainer: false,
    ipam: { type: 'host-local' }, dns: { nameservers: ['192.0.2.1'] }, flags: 1,
  },
};
