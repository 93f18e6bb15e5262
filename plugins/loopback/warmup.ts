// The snapshot build's warm-up fixture of this plugin (build/warmup.ts runs it).
import { plugin } from './main';

/**
 * Config parsing up to a validation error: every verb stops before touching the kernel
 * (the snapshot is being built; there is no netns). A string prevResult fails the JSON types.
 */
export const warmup = { plugin, conf: { name: 'warmup', type: 'loopback', dns: { nameservers: ['192.0.2.1'] }, prevResult: 'none' } };
