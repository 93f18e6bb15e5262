// macvlan: one macvlan per container on a master interface (bridge, private, vepa or
// passthru), addresses from IPAM or none (L2 only) — the reference v1.9.1's kernel
// objects, with a failed ADD undone completely.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check } from './check';
import { linkPluginVerbs } from '../../lib/link-plugins';
import { loadIpamType } from './config';

export const plugin: Plugin = { name: 'macvlan', funcs: { add, check, ...linkPluginVerbs(loadIpamType) }, versions: allVersions };

/**
 * Config parsing up to a validation error: every verb stops before touching the kernel
 * or spawning anything (the snapshot is being built; there is no netns). bcqueuelen -1
 * fails the JSON types every verb checks.
 */
export const warmup = {
  plugin,
  conf: {
    name: 'warmup', type: 'macvlan', master: 'cnitswarm0', mode: 'vepa', mtu: 1400, mac: '02:00:00:00:00:01', linkInContainer: false,
    ipam: { type: 'host-local' }, dns: { nameservers: ['192.0.2.1'] }, runtimeConfig: { mac: '02:00:00:00:00:02' }, bcqueuelen: -1,
  },
};
