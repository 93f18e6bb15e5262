// The size limits of a host-local config (ipam/host-local/limits.ts), table-driven: each list
// at its limit loads, one more is code 7 naming the field; DEL/GC/STATUS load any size.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../ipam/host-local/config';
import { limits } from '../../ipam/host-local/limits';
import type { CmdArgs, NetConf, Verb } from '../../lib/cni/plugin';
import { errorOf } from './error-of';

function cmd(conf: Record<string, unknown>, command: Verb = 'ADD', cniArgs = ''): CmdArgs {
  const full = { cniVersion: '1.0.0', name: 'bignet', ...conf } as NetConf;
  return { command, containerID: 'c', netns: '/var/run/netns/x', ifName: 'eth0', args: cniArgs, path: [], stdin: Buffer.from(''), conf: full, env: {}, stderr: () => undefined };
}

/** n one-range sets, 10.a.b.0/24 (a from 100) */
const sets = (n: number, from = 0) => Array.from({ length: n }, (_, k) => [{ subnet: `10.${100 + ((k + from) >> 8)}.${(k + from) & 255}.0/24` }]);
/** one set of n /30 ranges */
const bigSet = (n: number) => [Array.from({ length: n }, (_, k) => ({ subnet: `10.1.${k >> 6}.${(k & 63) * 4}/30` }))];
/** n addresses of 10.100.0.0/16 */
const ips = (n: number, from = 0) => Array.from({ length: n }, (_, k) => `10.${100 + ((k + from) >> 8)}.${(k + from) & 255}.9`);
const routes = (n: number) => Array.from({ length: n }, (_, k) => ({ dst: `192.168.${k >> 6}.${(k & 63) * 4}/30` }));

type Case = [string, (n: number) => Record<string, unknown>, number, string];
const ipam = (extra: Record<string, unknown>) => ({ ipam: { type: 'host-local', ...extra } });

// [field, config with n items, limit, details when over]
const cases: Case[] = [
  ['ipam.ranges', (n) => ipam({ ranges: sets(n) }), limits.rangeSets, `ipam.ranges: ${limits.rangeSets + 1} range sets, more than the limit of ${limits.rangeSets}`],
  ['runtimeConfig.ipRanges', (n) => ({ runtimeConfig: { ipRanges: sets(n) }, ...ipam({}) }), limits.rangeSets,
    `runtimeConfig.ipRanges: ${limits.rangeSets + 1} range sets, more than the limit of ${limits.rangeSets}`],
  ['range sets from all sources', (n) => ({ runtimeConfig: { ipRanges: sets(n - 101, 101) }, ...ipam({ subnet: '10.99.0.0/24', ranges: sets(100, 1) }) }), limits.rangeSets,
    `runtimeConfig.ipRanges, ipam.subnet, ipam.ranges: ${limits.rangeSets + 1} range sets in all, more than the limit of ${limits.rangeSets}`],
  ['ranges of one set', (n) => ipam({ ranges: bigSet(n) }), limits.rangesPerSet,
    `ipam.ranges[0]: ${limits.rangesPerSet + 1} ranges in one range set, more than the limit of ${limits.rangesPerSet}`],
  ['ipam.routes', (n) => ipam({ ranges: sets(1), routes: routes(n) }), limits.routes, `ipam.routes: ${limits.routes + 1} routes, more than the limit of ${limits.routes}`],
  ['runtimeConfig.ips', (n) => ({ runtimeConfig: { ips: ips(n) }, ...ipam({ ranges: sets(1) }) }), limits.requestedIPs,
    `runtimeConfig.ips: ${limits.requestedIPs + 1} requested addresses, more than the limit of ${limits.requestedIPs}`],
  ['args.cni.ips', (n) => ({ args: { cni: { ips: ips(n) } }, ...ipam({ ranges: sets(1) }) }), limits.requestedIPs,
    `args.cni.ips: ${limits.requestedIPs + 1} requested addresses, more than the limit of ${limits.requestedIPs}`],
  ['requested addresses from all sources', (n) => ({ args: { cni: { ips: ips(n - 100) } }, runtimeConfig: { ips: ips(100, 1000) }, ...ipam({ ranges: sets(1) }) }), limits.requestedIPs,
    `CNI_ARGS IP, args.cni.ips, runtimeConfig.ips: ${limits.requestedIPs + 1} requested addresses in all, more than the limit of ${limits.requestedIPs}`],
];

describe('host-local size limits', () => {
  it.each(cases)('%s: the limit loads, one more is code 7 naming the field', (_field, make, limit, details) => {
    expect(() => loadConfig(cmd(make(limit)))).not.toThrow();
    const e = errorOf(() => loadConfig(cmd(make(limit + 1))));
    expect([e.code, e.msg, e.details]).toEqual([7, 'invalid network configuration', details]);
    // CHECK is held to the same limits as ADD
    expect(errorOf(() => loadConfig(cmd(make(limit + 1), 'CHECK'))).details).toBe(details);
  });

  it.each(['DEL', 'GC', 'STATUS'] as const)('%s loads a config over every limit (it must clean up whatever made it)', (verb) => {
    for (const [, make, limit] of cases) expect(() => loadConfig(cmd(make(limit + 1), verb))).not.toThrow();
  });

  it('CNI_ARGS IP counts towards the requested addresses', () => {
    const conf = { runtimeConfig: { ips: ips(limits.requestedIPs) }, ...ipam({ ranges: sets(1) }) };
    expect(() => loadConfig(cmd(conf))).not.toThrow();
    expect(errorOf(() => loadConfig(cmd(conf, 'ADD', 'IP=10.200.0.1'))).details).toMatch(/^CNI_ARGS IP, args.cni.ips, runtimeConfig.ips: 257 requested/);
  });

  it('overlaps among many sets are found and named (one sweep, not pairwise)', () => {
    const many = sets(limits.rangeSets);
    many[200] = [{ subnet: '10.100.3.0/24' }];
    const e = errorOf(() => loadConfig(cmd(ipam({ ranges: many }))));
    expect(e.details).toBe('ipam.ranges[3], ipam.ranges[200]: range set 3 overlaps with 200');
  });
});
