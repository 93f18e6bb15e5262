// bridge `vlan`, `vlanTrunk`, `preserveDefaultVlan`. They need 802.1q and bridge
// vlan_filtering, which this host's kernel lacks: the real tests run only under
// ../shared/vm/run (a stock Debian kernel, CNI_VM=1), e.g.
//   ../shared/vm/run -- node node_modules/vitest/vitest.mjs run test/e2e/bridge-vlan.vm.test.ts
// On a kernel without them, ADD with vlan must fail cleanly. Subnets: 10.155.x.0/24.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers';
import {
  addrsOf, bridgeJson, canNetns, cleanupNetns, cniIn, delNetns, ipJson, leftovers, linksOfKind, makeNetns, nothingLeft, ping,
  pluginDir, type Json, type Netns,
} from './netns';

const NET = 'brvlan';
const BR = 'cnitsbr5';
const inVm = process.env['CNI_VM'] === '1';
const runnable = canNetns && existsSync(join(pluginDir, 'bridge'));
// made on first use: hooks of a file whose tests all skip never run, so an eager temp dir would leak on the host
let dataDir: ReturnType<typeof tempDir> | undefined;
const data = { get path(): string { return (dataDir ??= tempDir('brv')).path; } };
let host: Netns;

/** Can this kernel make a vlan-filtering bridge? (probed in a throw-away netns) */
function kernelHasVlanFiltering(): boolean {
  if (!canNetns) return false;
  const ns = makeNetns('cnitsbp');
  try {
    return spawnSync('ip', ['-n', ns.name, 'link', 'add', 'probe0', 'type', 'bridge', 'vlan_filtering', '1']).status === 0;
  } finally {
    delNetns(ns);
  }
}

function conf(extra: Record<string, unknown> = {}, subnet = '10.155.0.0/24') {
  return { cniVersion: '1.1.0', name: NET, type: 'bridge', bridge: BR, ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet }]] }, ...extra };
}
const bridge = (command: string, ctr: Netns, cf: unknown) =>
  cniIn(host, 'bridge', { command, netns: ctr.path, containerID: ctr.name }, cf, pluginDir);
const hostVeth = (ctr: Netns): string => {
  const [peer] = ipJson(ctr, 'link', 'show', 'dev', 'eth0');
  return linksOfKind(host, 'veth').find((l: Json) => l.ifindex === peer?.link_index)?.ifname;
};
/** the VLANs of a bridge port as `vid` or `vid PVID untagged`, ranges expanded */
function portVlans(dev: string): string[] {
  const [entry] = bridgeJson(host, 'vlan', 'show', 'dev', dev);
  return (entry?.vlans ?? []).flatMap((v: Json) => {
    const tags = [(v.flags ?? []).includes('PVID') ? ' PVID' : '', (v.flags ?? []).includes('Egress Untagged') ? ' untagged' : ''].join('');
    return Array.from({ length: (v.vlanEnd ?? v.vlan) - v.vlan + 1 }, (_, i) => `${v.vlan + i}${tags}`);
  });
}

function lifecycle(): void {
  beforeEach(() => { host = makeNetns('cnitsbh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
}
afterAll(() => dataDir?.cleanup());

describe.runIf(inVm && runnable)('bridge vlan (VM kernel)', () => {
  lifecycle();

  it('two namespaces on one VLAN ping each other, a third on another VLAN cannot', async () => {
    const [a, b, c] = [makeNetns('cnitsbc'), makeNetns('cnitsbc'), makeNetns('cnitsbc')];
    for (const [ns, vlan] of [[a, 10], [b, 10], [c, 20]] as const) {
      const r = await bridge('ADD', ns, conf({ vlan }));
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    expect(ipJson(host, '-d', 'link', 'show', 'dev', BR)[0].linkinfo.info_data.vlan_filtering).toBe(1);
    expect(portVlans(hostVeth(a))).toEqual(['10 PVID untagged']); // preserveDefaultVlan is false by default
    expect(portVlans(hostVeth(c))).toEqual(['20 PVID untagged']);
    expect(ping(a, '10.155.0.3')).toBe(true);
    expect(ping(b, '10.155.0.2')).toBe(true);
    expect(ping(c, '10.155.0.2')).toBe(false);
    expect(ping(a, '10.155.0.4')).toBe(false);
  });

  it.each([
    ['no vlan: native VLAN 1', {}, ['1 PVID untagged', '101', '200', '201', '202']],
    ['vlan 30 is the native VLAN', { vlan: 30 }, ['30 PVID untagged', '101', '200', '201', '202']],
  ])('vlanTrunk VIDs are tagged on the port; %s', async (_name, extra, want) => {
    const ctr = makeNetns('cnitsbc');
    const r = await bridge('ADD', ctr, conf({ vlanTrunk: [{ id: 101 }, { minID: 200, maxID: 202 }], ...extra }, '10.155.1.0/24'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(portVlans(hostVeth(ctr)).sort()).toEqual([...want].sort());
    expect(ipJson(host, '-d', 'link', 'show', 'dev', BR)[0].linkinfo.info_data.vlan_filtering).toBe(1);
  });

  it.each([
    [false, ['40 PVID untagged']],
    [true, ['1 untagged', '40 PVID untagged']],
  ])('preserveDefaultVlan %s: port VLANs %j', async (preserveDefaultVlan, want) => {
    const ctr = makeNetns('cnitsbc');
    const r = await bridge('ADD', ctr, conf({ vlan: 40, preserveDefaultVlan }, '10.155.2.0/24'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(portVlans(hostVeth(ctr)).sort()).toEqual(want);
  });

  it('isGateway with vlan: the gateway lives on a <bridge>.<vlan> veth in the host, listed in the result', async () => {
    const ctr = makeNetns('cnitsbc');
    const cf = conf({ vlan: 50, isGateway: true }, '10.155.3.0/24');
    const r = await bridge('ADD', ctr, cf);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.interfaces.map((i: Json) => i.name)).toEqual([BR, hostVeth(ctr), 'eth0', `${BR}.50`]);
    expect(addrsOf(host, `${BR}.50`)).toEqual(['10.155.3.1/24']);
    expect(addrsOf(host, BR)).toEqual([]);
    expect(ping(ctr, '10.155.3.1')).toBe(true);
    const chk = await bridge('CHECK', ctr, { ...cf, prevResult: r.json });
    expect([chk.code, chk.stdout]).toEqual([0, '']);
  });
});

describe.skipIf(inVm)('bridge vlan (this host)', () => {
  it.skip('VLAN isolation, vlanTrunk, preserveDefaultVlan, vlan gateway: host kernel has no 802.1q / bridge vlan_filtering; runs under ../shared/vm/run', () => undefined);

  describe.runIf(runnable && !kernelHasVlanFiltering())('without kernel support', () => {
    lifecycle();
    it.each([
      ['vlan', { vlan: 10 }],
      ['vlanTrunk', { vlanTrunk: [{ id: 10 }] }],
    ])('ADD with %s fails with a CNI error naming vlan, and leaves nothing behind', async (_name, extra) => {
      const ctr = makeNetns('cnitsbc');
      const r = await bridge('ADD', ctr, conf({ ...extra, ipMasq: true, ipMasqBackend: 'iptables' }, '10.155.9.0/24'));
      expect(r.code).toBe(1);
      expect(r.json.code).toBe(999);
      expect(`${r.json.msg} ${r.json.details ?? ''}`).toMatch(/vlan/i);
      expect(r.stdout).not.toMatch(/\n\s+at /);
      expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    });
  });
});
