// ipvlan on this host, through the built executable: what needs no ipvlan in the kernel.
// Config errors are code 7 naming the field before anything is created; on a kernel without
// ipvlan, ADD fails with a clear error and leaves nothing; DEL (which never resolves the
// master) releases the lease without a default route, twice, with the netns gone; STATUS.
// The end-to-end tests are in ipvlan.vm.test.ts. Subnets: 10.161.x.0/24.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type Call } from './helpers';
import { canNetns, cleanupNetns, cniIn, delNetns, leaseFiles, linkNames, makeNetns, nsMust, pluginDir, type Netns } from './netns';

const NET = 'ipnet';
const data = tempDir('ip');
let host: Netns;

function conf(extra: Record<string, unknown> = {}, subnet = '10.161.0.0/24'): Record<string, unknown> {
  return { cniVersion: '1.1.0', name: NET, type: 'ipvlan', master: 'm0', ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet }]] }, ...extra };
}
const ipvlan = (command: string, ctr: Netns, cf: unknown, c: Partial<Call> = {}) =>
  cniIn(host, 'ipvlan', { command, netns: ctr.path, containerID: ctr.name, ...c }, cf, pluginDir);
/** A lease taken by host-local itself for ctr/eth0, as an earlier ADD would have left it. */
async function lease(ctr: Netns, cf: unknown): Promise<void> {
  const r = await cniIn(host, 'host-local', { command: 'ADD', netns: ctr.path, containerID: ctr.name }, cf, pluginDir);
  expect(r.code, r.stdout).toBe(0);
}
function kernelHasIpvlan(): boolean {
  if (!canNetns) return false;
  const ns = makeNetns('cnitsip');
  try {
    nsMust(ns, 'ip', 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    return spawnSync('ip', ['-n', ns.name, 'link', 'add', 'link', 'p0', 'name', 'i0', 'type', 'ipvlan']).status === 0;
  } finally {
    delNetns(ns);
  }
}

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'ipvlan')))('ipvlan on this host', () => {
  beforeEach(() => {
    host = makeNetns('cnitsih');
    nsMust(host, 'ip', 'link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'm1');
    nsMust(host, 'ip', 'link', 'set', 'm0', 'up');
  });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  it.each([
    ['unknown mode', conf({ mode: 'l4' }), /^mode: unknown ipvlan mode "l4" \(one of l2, l3, l3s\)/],
    ['unknown flag', conf({ flags: 'hairpin' }), /^flags: unknown ipvlan flag "hairpin" \(one of bridge, private, vepa\)/],
    ['flags that is no string', conf({ flags: 1 }), /^flags must be string/],
    ['negative mtu', conf({ mtu: -5 }), /^mtu: invalid MTU -5/],
    ['mtu above the master\'s', conf({ mtu: 65000 }), /^mtu: invalid MTU 65000, must be \[0, master MTU\(1500\)\]/],
    ['master that does not exist', conf({ master: 'cnitsnosuch0' }), /^master: failed to lookup master "cnitsnosuch0"/],
    ['no master and no default route', conf({ master: undefined }), /^master: no master given and no default route/],
    ['no ipam and no prevResult', conf({ ipam: undefined }), /^ipam: no IPAM plugin configured and no IPs in prevResult/],
    ['chained without master: prevResult with two interfaces', conf({ master: undefined, prevResult: { cniVersion: '1.1.0', interfaces: [{ name: 'a' }, { name: 'b' }] } }),
      /^master: chained master failure/],
  ])('%s → code 7 naming the field, nothing left', async (_name, cf, msg) => {
    const ctr = makeNetns('cnitsic');
    const r = await ipvlan('ADD', ctr, cf);
    expect([r.code, r.json?.code, r.json?.msg]).toEqual([1, 7, 'invalid network configuration']);
    expect(r.json.details).toMatch(msg);
    expect({ ctr: linkNames(ctr), host: linkNames(host), leases: leaseFiles(data.path, NET) }).toEqual({ ctr: ['lo'], host: ['lo', 'm0', 'm1'], leases: [] });
  });

  describe.runIf(!kernelHasIpvlan())('kernel without ipvlan', () => {
    it('ADD fails with a clear error (unknown device type) and leaves no link, no lease', async () => {
      const ctr = makeNetns('cnitsic');
      const r = await ipvlan('ADD', ctr, conf({ mode: 'l3', flags: 'private' }));
      expect(r.json).toEqual({ code: 999, msg: expect.stringMatching(/^failed to create ipvlan: unknown device type: this kernel has no ipvlan support/) });
      expect(r.stderr).toBe('');
      expect({ ctr: linkNames(ctr), host: linkNames(host), leases: leaseFiles(data.path, NET) }).toEqual({ ctr: ['lo'], host: ['lo', 'm0', 'm1'], leases: [] });
    });
  });

  describe('DEL needs no ipvlan, no master and no default route', () => {
    it('releases the lease; twice; with a config ADD would refuse (no master, unknown mode)', async () => {
      const ctr = makeNetns('cnitsic');
      const cf = conf({ master: undefined, mode: 'nonsense' }, '10.161.1.0/24');
      await lease(ctr, cf);
      expect(leaseFiles(data.path, NET)).toEqual(['10.161.1.2']);
      for (let i = 0; i < 2; i++) {
        const r = await ipvlan('DEL', ctr, cf);
        expect([r.code, r.stdout, r.stderr, i]).toEqual([0, '', '', i]);
      }
      expect(leaseFiles(data.path, NET)).toEqual([]);
      expect((await ipvlan('DEL', ctr, { ...cf, flags: 2 })).json).toMatchObject({ code: 7 }); // JSON types still count
    });

    it('removes CNI_IFNAME when present; succeeds with the netns gone or CNI_NETNS empty', async () => {
      const [a, b, c] = [makeNetns('cnitsic'), makeNetns('cnitsic'), makeNetns('cnitsic')];
      const cf = conf({}, '10.161.2.0/24');
      for (const ns of [a, b, c]) await lease(ns, cf);
      nsMust(a, 'ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x0'); // stands in for the ipvlan
      expect((await ipvlan('DEL', a, cf)).code).toBe(0);
      expect(linkNames(a)).toEqual(['lo']);
      delNetns(b);
      expect((await ipvlan('DEL', b, cf)).code).toBe(0);
      expect((await ipvlan('DEL', c, cf, { netns: '' })).code).toBe(0);
      expect(leaseFiles(data.path, NET)).toEqual([]);
    });

    it('chained without ipam: only the link goes', async () => {
      const ctr = makeNetns('cnitsic');
      const { ipam: _ipam, ...chained } = conf({ prevResult: { cniVersion: '1.1.0', interfaces: [{ name: 'm0' }], ips: [{ address: '10.161.3.2/24' }] } });
      expect((await ipvlan('DEL', ctr, chained)).code).toBe(0);
    });
  });

  it('STATUS forwards to IPAM (50 when the range is full), succeeds without ipam', async () => {
    const env = { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined };
    const cf = conf({}, '10.161.4.0/30');
    const status = (c: unknown) => cniIn(host, 'ipvlan', { command: 'STATUS', env }, c, pluginDir);
    expect((await status(cf)).code).toBe(0);
    await lease(makeNetns('cnitsic'), cf);
    expect((await status(cf)).json).toMatchObject({ code: 50 });
    const { ipam: _ipam, ...noIpam } = cf;
    expect([(await status(noIpam)).code, (await status(noIpam)).stdout]).toEqual([0, '']);
  });

  it('VERSION', async () => {
    const v = await cniIn(host, 'ipvlan', { command: 'VERSION' }, '{"cniVersion":"0.4.0"}', pluginDir);
    expect(v.stdout).toBe('{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n');
  });
});
