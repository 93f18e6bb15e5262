// firewall through the BUILT executable, chained after bridge (ADD forward with prevResult,
// DEL in reverse): the reference's filter rules and comments read back with iptables-save,
// bridge isolation proven with pings between two bridges, DEL removing the container's rules,
// interop with the reference (/usr/lib/cni/firewall v1.1.1, iptables backend) both ways, and
// bad input refused with nothing written. Host netns cnitsfh-*, containers cnitsfc-*,
// bridges cnitsfwa0/cnitsfwb0 on 10.152.1.0/24 and 10.152.2.0/24.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasReference, reference, tempDir, type Outcome } from './helpers';
import { canNetns, cleanupNetns, cniIn, makeNetns, nsMust, pingSoon, ping, pluginDir, type Netns } from './netns';

const ipam = tempDir('fw-ipam');
let host: Netns;

interface Net { name: string; bridge: string; subnet: string }
const A: Net = { name: 'fwneta', bridge: 'cnitsfwa0', subnet: '10.152.1.0/24' };
const B: Net = { name: 'fwnetb', bridge: 'cnitsfwb0', subnet: '10.152.2.0/24' };
const bridgeConf = (n: Net) => ({
  cniVersion: '1.0.0', name: n.name, type: 'bridge', bridge: n.bridge, isDefaultGateway: true,
  ipam: { type: 'host-local', dataDir: ipam.path, ranges: [[{ subnet: n.subnet }]] },
});
const fwConf = (n: Net, extra: object = {}) => ({ cniVersion: '1.0.0', name: n.name, type: 'firewall', ...extra });
const call = (plugin: string, command: string, ctr: Netns, cf: object, dir = pluginDir): Promise<Outcome> =>
  cniIn(host, plugin, { command, netns: ctr.path, containerID: ctr.name, path: pluginDir }, cf, dir);

interface Attached { ctr: Netns; result: Outcome['json']; ip: string }
/** bridge ADD then firewall ADD on its result, as libcni runs a list. */
async function attach(n: Net, fw: object, fwDir = pluginDir): Promise<Attached> {
  const ctr = makeNetns('cnitsfc');
  const br = await call('bridge', 'ADD', ctr, bridgeConf(n));
  expect(br.code, br.stdout).toBe(0);
  const r = await call('firewall', 'ADD', ctr, fwConf(n, { ...fw, prevResult: br.json }), fwDir);
  expect([r.code, r.stderr], r.stdout).toEqual([0, '']);
  expect(r.json).toEqual(br.json); // prevResult goes on unchanged
  return { ctr, result: r.json, ip: String(br.json.ips[0].address).split('/')[0] ?? '' };
}
async function detach(n: Net, a: Attached, fw: object, fwDir = pluginDir): Promise<void> {
  const r = await call('firewall', 'DEL', a.ctr, fwConf(n, { ...fw, prevResult: a.result }), fwDir);
  expect([r.code, r.stdout]).toEqual([0, '']);
  expect((await call('bridge', 'DEL', a.ctr, { ...bridgeConf(n), prevResult: a.result })).code).toBe(0);
}
/** The filter table's CNI chains and rules (both families), counters stripped. */
function filterCni(): string[] {
  const lines = [...nsMust(host, 'iptables-save', '-t', 'filter').split('\n'), ...nsMust(host, 'ip6tables-save', '-t', 'filter').split('\n')];
  return lines.filter((l) => /^:CNI-|^-A .*CNI/.test(l)).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
}
const hostRules = (ip: string) => [
  `-A CNI-FORWARD -d ${ip}/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  `-A CNI-FORWARD -s ${ip}/32 -j ACCEPT`,
];

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'firewall')))('firewall', () => {
  beforeEach(() => { host = makeNetns('cnitsfh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(ipam.path)) rmSync(join(ipam.path, f), { recursive: true, force: true });
  });
  afterAll(() => ipam.cleanup());

  it('iptables backend: the reference\'s chains, jumps and comments; CHECK; DEL removes the container\'s rules only', async () => {
    const a = await attach(A, { backend: 'iptables' });
    expect(filterCni()).toEqual([
      ':CNI-ADMIN -', ':CNI-FORWARD -',
      '-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
      '-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN',
      ...hostRules(a.ip),
    ]);
    expect((await call('firewall', 'CHECK', a.ctr, fwConf(A, { backend: 'iptables', prevResult: a.result }))).code).toBe(0);
    nsMust(host, 'iptables', '-D', 'CNI-FORWARD', '-s', `${a.ip}/32`, '-j', 'ACCEPT');
    expect((await call('firewall', 'CHECK', a.ctr, fwConf(A, { backend: 'iptables', prevResult: a.result }))).json)
      .toEqual({ code: 999, msg: `expected rule [-s ${a.ip}/32 -j ACCEPT] not found` });
    nsMust(host, 'iptables', '-A', 'CNI-FORWARD', '-s', `${a.ip}/32`, '-j', 'ACCEPT');
    await detach(A, a, { backend: 'iptables' });
    expect(filterCni().filter((l) => l.includes(a.ip))).toEqual([]);
    expect(filterCni()).toContain('-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD'); // shared: stays
  });

  it('iptablesAdminChainName names the admin chain', async () => {
    await attach(A, { backend: 'iptables', iptablesAdminChainName: 'CNI-MY-ADMIN' });
    expect(filterCni()).toContain('-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-MY-ADMIN');
  });

  it('ingressPolicy same-bridge: the reference v1.9.1\'s isolation chains; another bridge cannot reach in, the same bridge can', async () => {
    const fw = { backend: 'iptables', ingressPolicy: 'same-bridge' };
    const a1 = await attach(A, fw);
    const a2 = await attach(A, fw);
    const b = await attach(B, fw);
    const iso = (br: string) => `-A CNI-ISOLATION-STAGE-1 -i ${br} ! -o ${br} -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j CNI-ISOLATION-STAGE-2`;
    const dflt = '-m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)"';
    expect(filterCni().filter((l) => l.includes('ISOLATION'))).toEqual([
      ':CNI-ISOLATION-STAGE-1 -', ':CNI-ISOLATION-STAGE-2 -',
      `-A FORWARD ${dflt} -j CNI-ISOLATION-STAGE-1`,
      iso(B.bridge), iso(A.bridge),
      `-A CNI-ISOLATION-STAGE-1 ${dflt} -j RETURN`,
      `-A CNI-ISOLATION-STAGE-2 -o ${B.bridge} ${dflt} -j DROP`,
      `-A CNI-ISOLATION-STAGE-2 -o ${A.bridge} ${dflt} -j DROP`,
      `-A CNI-ISOLATION-STAGE-2 ${dflt} -j RETURN`,
    ]);
    // the isolation jump comes before CNI-FORWARD's
    expect(nsMust(host, 'iptables', '-S', 'FORWARD').split('\n')[1]).toContain('CNI-ISOLATION-STAGE-1');
    expect(pingSoon(a1.ctr, a2.ip)).toBe(true);
    expect(ping(b.ctr, a1.ip)).toBe(false);
    expect(ping(a1.ctr, b.ip)).toBe(false);
  });

  it('without an ingress policy the other bridge gets through', async () => {
    const a = await attach(A, { backend: 'iptables' });
    const b = await attach(B, { backend: 'iptables' });
    expect(pingSoon(b.ctr, a.ip)).toBe(true);
  });

  it('ingressPolicy isolated: not even the same bridge', async () => {
    const fw = { backend: 'iptables', ingressPolicy: 'isolated' };
    const a1 = await attach(A, fw);
    const a2 = await attach(A, fw);
    expect(filterCni()).toContain(`-A CNI-ISOLATION-STAGE-1 -i ${A.bridge} -o ${A.bridge} -m comment --comment "CNI firewall plugin rules (ingressPolicy: isolated)" -j DROP`);
    expect(ping(a1.ctr, a2.ip)).toBe(false);
  });

  describe.skipIf(!hasReference)('with the reference (/usr/lib/cni/firewall v1.1.1, iptables backend)', () => {
    it.each([
      ['ours ADD, reference DEL', pluginDir, reference],
      ['reference ADD, ours DEL', reference, pluginDir],
    ])('%s: the same rules, and none left for the container', async (_what, adder, deleter) => {
      const a = await attach(A, { backend: 'iptables' }, adder);
      expect(filterCni()).toEqual([
        ':CNI-ADMIN -', ':CNI-FORWARD -',
        '-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
        '-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN',
        ...hostRules(a.ip),
      ]);
      // the other implementation's CHECK accepts it too
      expect((await call('firewall', 'CHECK', a.ctr, fwConf(A, { backend: 'iptables', prevResult: a.result }), deleter)).code).toBe(0);
      await detach(A, a, { backend: 'iptables' }, deleter);
      expect(filterCni().filter((l) => l.includes(a.ip))).toEqual([]);
    });
  });

  describe('bad input: an error naming the field, nothing written', () => {
    it.each([
      ['an unknown backend', { backend: 'nft' }, 7, 'backend: unknown firewall backend "nft" (one of iptables, firewalld)'],
      ['an unknown ingress policy', { ingressPolicy: 'closed' }, 7, 'ingressPolicy: unknown ingress policy "closed" (one of open, same-bridge, isolated)'],
      ['an admin chain name with a space', { backend: 'iptables', iptablesAdminChainName: 'CNI ADMIN' }, 7, 'iptablesAdminChainName: invalid iptables chain name "CNI ADMIN"'],
      ['an admin chain name too long', { backend: 'iptables', iptablesAdminChainName: 'C'.repeat(29) }, 7, 'iptablesAdminChainName: invalid iptables chain name'],
      ['firewalld where it does not run', { backend: 'firewalld' }, 999, 'firewalld backend unavailable'],
    ])('%s', async (_what, fw, code, text) => {
      const ctr = makeNetns('cnitsfc');
      const br = await call('bridge', 'ADD', ctr, bridgeConf(A));
      const r = await call('firewall', 'ADD', ctr, fwConf(A, { ...fw, prevResult: br.json }));
      expect(r.json.code, r.stdout).toBe(code);
      expect(`${r.json.msg}: ${r.json.details ?? ''}`).toContain(text);
      expect(filterCni()).toEqual([]);
    });

    it('no prevResult', async () => {
      const ctr = makeNetns('cnitsfc');
      expect((await call('firewall', 'ADD', ctr, fwConf(A))).json).toEqual({ code: 999, msg: 'missing prevResult from earlier plugin' });
    });
  });
});
