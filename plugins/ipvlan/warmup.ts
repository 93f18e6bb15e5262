// The snapshot build's warm-up fixture of this plugin (build/warmup.ts runs it).
import { plugin } from './main';

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
