// The snapshot build's warm-up fixture of this plugin (build/warmup.ts runs it).
import { plugin } from './main';

/**
 * Config parsing up to a validation error: every verb stops before touching the kernel or
 * spawning anything. The second mapping's hostPort has the wrong JSON type, so even DEL
 * (which checks types only) stops there, after the first mapping was read.
 */
export const warmup = {
  plugin,
  conf: {
    name: 'warmup', type: 'portmap', snat: true, markMasqBit: 13, conditionsV4: ['-s', '10.0.0.0/8'],
    prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/warmup' }], ips: [{ interface: 0, address: '10.99.0.2/24' }] },
    runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '10.99.0.1' }, { hostPort: 'x', containerPort: 80 }] },
  },
};
