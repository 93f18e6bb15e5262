// The snapshot build's warm-up fixture of this plugin (build/warmup.ts runs it).
import { plugin } from './main';

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
