// The snapshot build's warm-up fixture of this plugin (build/warmup.ts runs it).
import { plugin } from './main';

/**
 * Config parsing up to a validation error: every verb stops before touching the kernel
 * (the snapshot is being built; there is no netns). A txQLen of -1 fails the schema of ADD
 * and CHECK; DEL stops at the missing backup file.
 */
export const warmup = {
  plugin,
  conf: {
    name: 'warmup', type: 'tuning', dataDir: '<scratch>', sysctl: { 'net.ipv4.conf.IFNAME.arp_notify': '1' }, mac: '02:00:00:00:00:01', mtu: 1400,
    promisc: true, allmulti: true, txQLen: -1, runtimeConfig: { mac: '02:00:00:00:00:02' }, args: { cni: { mtu: 1300 } },
    prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/warmup' }] },
  },
};
