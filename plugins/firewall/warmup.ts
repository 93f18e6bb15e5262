// The snapshot build's warm-up fixture of this plugin (build/warmup.ts runs it).
import { plugin } from './main';

/**
 * Config parsing up to a validation error: every verb stops before running iptables or
 * asking D-Bus (the snapshot is being built). An unknown backend fails the schema of ADD and
 * CHECK; DEL stops at the empty prevResult.
 */
export const warmup = {
  plugin,
  conf: { name: 'warmup', type: 'firewall', backend: 'nosuch', iptablesAdminChainName: 'CNI-ADMIN', ingressPolicy: 'same-bridge', prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'br0' }] } },
};
