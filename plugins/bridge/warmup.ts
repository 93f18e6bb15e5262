// The snapshot build's warm-up fixture of this plugin (build/warmup.ts runs it).
import { plugin } from './main';

/**
 * Config parsing up to a validation error: every verb stops before touching the
 * kernel or spawning anything (the snapshot is being built; there is no netns).
 */
export const warmup = {
  plugin,
  conf: { name: 'warmup', type: 'bridge', bridge: 'cnitswarm0', isGateway: true, ipMasq: true, vlanTrunk: [{ id: 7 }], mtu: -1, ipam: { type: 'host-local' } },
};
