// 20 concurrent ADDs on one bridge network, as a kubelet starting pods does, then 20
// concurrent DELs: the first ADDs race to create the bridge, host-local hands out distinct
// addresses under its lock, masquerade rules are written concurrently. One scratch host
// netns, 20 container netns. Subnets: 10.154.x.0/24.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pool, tempDir } from './helpers';
import {
  addrsOf, canNetns, cleanupNetns, cniIn, ipJson, iptablesCni, leaseFiles, linkNames, linksOfKind, makeNetns, nftRules,
  ping, pluginDir, type Json, type Netns,
} from './netns';

const NET = 'brpar';
const BR = 'cnitsbr4';
const N = 20;
const data = tempDir('brp');
let host: Netns;

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'bridge')))('bridge, concurrently', () => {
  beforeEach(() => { host = makeNetns('cnitsbh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  it.each([
    ['iptables', 1], ['nftables', 2],
  ] as const)(`${N} parallel ADDs, CHECKs, DELs with ipMasq %s: distinct IPs, all enslaved, all masqueraded, all gone`, async (backend, third) => {
    const cf = {
      cniVersion: '1.1.0', name: NET, type: 'bridge', bridge: BR, isGateway: true, ipMasq: true, ipMasqBackend: backend,
      ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: `10.154.${third}.0/24` }]] },
    };
    const ctrs = Array.from({ length: N }, () => makeNetns('cnitsbc'));
    const run = (command: string, c: Netns, prev?: unknown) =>
      cniIn(host, 'bridge', { command, netns: c.path, containerID: c.name }, prev ? { ...cf, prevResult: prev } : cf, pluginDir);

    const adds = await pool(N, ctrs.map((c) => () => run('ADD', c)));
    expect(adds.filter((r) => r.code !== 0).map((r) => r.stdout + r.stderr)).toEqual([]);
    const addrs = adds.map((r) => r.json.ips[0].address as string);
    expect(new Set(addrs).size).toBe(N);
    expect(leaseFiles(data.path, NET)).toHaveLength(N);

    const veths = linksOfKind(host, 'veth');
    expect(veths).toHaveLength(N);
    expect(veths.filter((v: Json) => v.master === BR && v.operstate === 'UP')).toHaveLength(N);
    expect(new Set(veths.map((v: Json) => v.ifname))).toEqual(new Set(adds.map((r) => r.json.interfaces[1].name)));
    const brMacs = new Set(adds.map((r) => r.json.interfaces[0].mac));
    expect(brMacs).toEqual(new Set([ipJson(host, 'link', 'show', 'dev', BR)[0].address])); // one bridge, one MAC
    for (const [i, c] of ctrs.entries()) expect(addrsOf(c, 'eth0')).toEqual([addrs[i]]);

    if (backend === 'iptables') expect(iptablesCni(host).filter((l) => l.startsWith(':CNI-'))).toHaveLength(N);
    else expect(nftRules(host, 'inet', 'cni_plugins_masquerade').filter((r: Json) => r.chain === 'masq_checks')).toHaveLength(N);
    expect(ping(ctrs[0]!, addrs[N - 1]!.split('/')[0]!)).toBe(true);

    const checks = await pool(N, ctrs.map((c, i) => () => run('CHECK', c, adds[i]!.json)));
    expect(checks.filter((r) => r.code !== 0).map((r) => r.stdout + r.stderr)).toEqual([]);

    const dels = await pool(N, ctrs.map((c, i) => () => run('DEL', c, adds[i]!.json)));
    expect(dels.filter((r) => r.code !== 0).map((r) => r.stdout + r.stderr)).toEqual([]);
    expect(leaseFiles(data.path, NET)).toEqual([]);
    expect(linksOfKind(host, 'veth')).toEqual([]);
    expect(ctrs.filter((c) => linkNames(c).join() !== 'lo').map((c) => c.name)).toEqual([]);
    expect(iptablesCni(host)).toEqual([]);
    expect(nftRules(host, 'inet', 'cni_plugins_masquerade').filter((r: Json) => r.chain === 'masq_checks')).toEqual([]);
  }, 180_000);
});
