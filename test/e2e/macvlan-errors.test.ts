// macvlan failures and teardown through the built executable, in scratch namespaces: config
// errors are code 7 naming the field, kernel/runtime failures 999, IPAM's own errors pass
// through; a failed ADD leaves no link and no lease. DEL twice, DEL after the netns is gone,
// CHECK after drift, STATUS. Master: veth m0 (peer m1) in the scratch host netns. Subnets: 10.160.1xx.0/24.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type Call } from './helpers';
import { canNetns, cleanupNetns, cniIn, delNetns, leaseFiles, linkNames, makeNetns, nsMust, pluginDir, type Netns } from './netns';

const NET = 'mverr';
const data = tempDir('mve');
let host: Netns;

function conf(extra: Record<string, unknown> = {}, subnet = '10.160.100.0/24', version = '1.1.0'): Record<string, unknown> {
  return { cniVersion: version, name: NET, type: 'macvlan', master: 'm0', ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet }]] }, ...extra };
}
const macvlan = (command: string, ctr: Netns, cf: unknown, c: Partial<Call> = {}) =>
  cniIn(host, 'macvlan', { command, netns: ctr.path, containerID: ctr.name, ...c }, cf, pluginDir);
const withPrev = (cf: object, prevResult: unknown) => ({ ...cf, prevResult });
const noAttachmentEnv = { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined };
/** Nothing of ours anywhere: the container has only `lo`, the host only its master pair, no lease. */
function nothingLeft(ctr: Netns, container = ['lo']): void {
  expect({ container: linkNames(ctr), host: linkNames(host), leases: leaseFiles(data.path, NET) }).toEqual({ container, host: ['lo', 'm0', 'm1'], leases: [] });
}

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'macvlan')))('macvlan errors and teardown', () => {
  beforeEach(() => {
    host = makeNetns('cnitsmh');
    nsMust(host, 'ip', 'link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'm1');
    for (const dev of ['m0', 'm1']) nsMust(host, 'ip', 'link', 'set', dev, 'up');
  });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  it.each([
    ['master that does not exist', {}, conf({ master: 'cnitsnosuch0' }), 7, /^master: failed to lookup master "cnitsnosuch0"/],
    ['no master and no default route', {}, conf({ master: undefined }), 7, /^master: no master given and no default route/],
    ['master name that is no interface name', {}, conf({ master: 'a/b' }), 7, /^master: /],
    ['unknown mode', {}, conf({ mode: 'hairpin' }), 7, /^mode: unknown macvlan mode "hairpin"/],
    ['mode "source" (not offered by the reference)', {}, conf({ mode: 'source' }), 7, /^mode: /],
    ['mtu above the master\'s', {}, conf({ mtu: 9000 }), 7, /^mtu: invalid MTU 9000, must be \[0, master MTU\(1500\)\]/],
    ['negative mtu', {}, conf({ mtu: -1 }), 7, /^mtu: /],
    ['mtu as a string', {}, conf({ mtu: '1400' }), 7, /^mtu /],
    ['bcqueuelen below 0', {}, conf({ bcqueuelen: -1 }), 7, /^bcqueuelen /],
    ['linkInContainer as a string', {}, conf({ linkInContainer: 'true' }), 7, /^linkInContainer /],
    ['mac that is no MAC', {}, conf({ mac: 'not-a-mac' }), 7, /^mac: invalid MAC/],
    ['multicast runtimeConfig.mac', {}, conf({ runtimeConfig: { mac: '01:00:5e:00:00:01' } }), 7, /^runtimeConfig\.mac: .*multicast/],
    ['bad CNI_ARGS MAC', { args: 'MAC=zz' }, conf(), 7, /^CNI_ARGS MAC: /],
    ['unknown CNI_ARGS key', { args: 'FOO=bar' }, conf(), 999, /ARGS: unknown args \["FOO=bar"\]/],
    ['missing netns', { netns: '/var/run/netns/cnitsmc-absent' }, conf(), 999, /cnitsmc-absent/],
    ['unknown IPAM plugin', {}, conf({ ipam: { type: 'cnits-no-such-ipam' } }), 999, /cnits-no-such-ipam/],
  ] as const)('%s → %s, nothing left', async (_name, call, cf, code, msg) => {
    const ctr = makeNetns('cnitsmc');
    const r = await macvlan('ADD', ctr, cf, call as Partial<Call>);
    expect(r.code).toBe(1);
    expect(r.json.code).toBe(code);
    expect(code === 7 ? r.json.details : r.json.msg).toMatch(msg);
    expect(r.stdout).not.toMatch(/\n\s+at /);
    nothingLeft(ctr);
  });

  it('CNI_IFNAME already in the container: 999, the existing link untouched, nothing else left', async () => {
    const ctr = makeNetns('cnitsmc');
    nsMust(ctr, 'ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
    const r = await macvlan('ADD', ctr, conf());
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/"eth0" already exists/) });
    nothingLeft(ctr, ['eth0', 'eth0p', 'lo']);
  });

  it('the kernel refusing the link (a passthru macvlan already holds the master): 999, nothing left', async () => {
    nsMust(host, 'ip', 'link', 'add', 'link', 'm0', 'name', 'pt0', 'type', 'macvlan', 'mode', 'passthru');
    const ctr = makeNetns('cnitsmc');
    const r = await macvlan('ADD', ctr, conf());
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/^failed to create macvlan: /) });
    nsMust(host, 'ip', 'link', 'del', 'pt0');
    nothingLeft(ctr);
  });

  it('IPAM failure (exhausted range): host-local\'s error passes through, the link is gone; STATUS says 50', async () => {
    const cf = conf({}, '10.160.102.0/30'); // one address: .2
    const [a, b] = [makeNetns('cnitsmc'), makeNetns('cnitsmc')];
    const status = () => cniIn(host, 'macvlan', { command: 'STATUS', env: noAttachmentEnv }, cf, pluginDir);
    expect((await status()).code).toBe(0);
    expect((await macvlan('ADD', a, cf)).code).toBe(0);
    const full = await macvlan('ADD', b, cf);
    expect(full.json).toMatchObject({ code: 999, msg: expect.stringMatching(/failed to allocate for range 0/) });
    expect(linkNames(b)).toEqual(['lo']);
    expect(leaseFiles(data.path, NET)).toEqual(['10.160.102.2']);
    expect((await status()).json.code).toBe(50);
  });

  it('a failure after IPAM (a route the kernel refuses) releases the lease and removes the link', async () => {
    const ctr = makeNetns('cnitsmc');
    const cf = { ...conf(), ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: '10.160.103.0/24' }]], routes: [{ dst: '192.0.2.0/24', gw: '198.51.100.1' }] } };
    const r = await macvlan('ADD', ctr, cf);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/failed to add route '192\.0\.2\.0\/24 via 198\.51\.100\.1/) });
    nothingLeft(ctr);
  });

  it('an L2 result cannot be printed as 0.2.0: error, nothing left', async () => {
    const ctr = makeNetns('cnitsmc');
    const { ipam: _ipam, ...l2 } = conf({}, undefined, '0.2.0');
    const r = await macvlan('ADD', ctr, l2);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(/no valid IP addresses/) });
    nothingLeft(ctr);
  });

  describe('DEL', () => {
    it('twice, and of something never added', async () => {
      const ctr = makeNetns('cnitsmc');
      const cf = conf({}, '10.160.104.0/24');
      const r = await macvlan('ADD', ctr, cf);
      for (let i = 0; i < 2; i++) expect([(await macvlan('DEL', ctr, withPrev(cf, r.json))).code, i]).toEqual([0, i]);
      expect((await macvlan('DEL', ctr, cf, { containerID: 'never-added' })).code).toBe(0);
      nothingLeft(ctr);
    });

    it('after the netns is gone, and with CNI_NETNS empty: the lease is released', async () => {
      const [a, b] = [makeNetns('cnitsmc'), makeNetns('cnitsmc')];
      const cf = conf({}, '10.160.105.0/24');
      expect([(await macvlan('ADD', a, cf)).code, (await macvlan('ADD', b, cf)).code]).toEqual([0, 0]);
      expect(leaseFiles(data.path, NET)).toEqual(['10.160.105.2', '10.160.105.3']);
      delNetns(a);
      expect((await macvlan('DEL', a, cf)).stdout).toBe('');
      expect(leaseFiles(data.path, NET)).toEqual(['10.160.105.3']);
      expect((await macvlan('DEL', b, cf, { netns: '' })).code).toBe(0);
      expect(leaseFiles(data.path, NET)).toEqual([]);
    });

    it('succeeds whatever became of the master, and with a config ADD would refuse (as the reference)', async () => {
      const ctr = makeNetns('cnitsmc');
      const cf = conf({}, '10.160.106.0/24');
      expect((await macvlan('ADD', ctr, cf)).code).toBe(0);
      nsMust(host, 'ip', 'link', 'del', 'm0'); // takes the macvlan along
      const r = await macvlan('DEL', ctr, { ...cf, master: 'm0', mode: 'nonsense', mtu: 99999 });
      expect([r.code, r.stdout]).toEqual([0, '']);
      expect({ container: linkNames(ctr), leases: leaseFiles(data.path, NET) }).toEqual({ container: ['lo'], leases: [] });
      expect((await macvlan('DEL', ctr, { ...cf, mtu: 'x' })).json.code).toBe(7); // JSON types still count
    });
  });

  describe('CHECK after drift', () => {
    const drifts: [string, (ctr: Netns) => void, RegExp][] = [
      ['address removed', (c) => nsMust(c, 'ip', 'addr', 'flush', 'dev', 'eth0'), /failed to match addr 10\.160\.107\.2\/24/],
      ['MAC changed', (c) => nsMust(c, 'ip', 'link', 'set', 'eth0', 'address', '02:16:00:00:00:99'), /MAC/],
      ['mode changed', (c) => nsMust(c, 'ip', 'link', 'set', 'eth0', 'type', 'macvlan', 'mode', 'private'), /mode private does not match expected value: bridge/],
      ['route removed', (c) => nsMust(c, 'ip', 'route', 'del', '192.0.2.0/24'), /failed to match route 192\.0\.2\.0\/24/],
      ['link removed', (c) => nsMust(c, 'ip', 'link', 'del', 'eth0'), /eth0 .*not found/],
      ['master removed', () => nsMust(host, 'ip', 'link', 'del', 'm0'), /master/],
    ];
    it.each(drifts)('%s', async (_name, drift, msg) => {
      const ctr = makeNetns('cnitsmc');
      const cf = { ...conf(), ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: '10.160.107.0/24' }]], routes: [{ dst: '192.0.2.0/24' }] } };
      const r = await macvlan('ADD', ctr, cf);
      expect((await macvlan('CHECK', ctr, withPrev(cf, r.json))).code).toBe(0);
      drift(ctr);
      const chk = await macvlan('CHECK', ctr, withPrev(cf, r.json));
      expect(chk.code).toBe(1);
      expect(`${chk.json.msg} ${chk.json.details ?? ''}`).toMatch(msg);
    });

    it('without prevResult, and with a config mode other than the kernel\'s', async () => {
      const ctr = makeNetns('cnitsmc');
      const cf = conf({}, '10.160.108.0/24');
      const r = await macvlan('ADD', ctr, cf);
      expect((await macvlan('CHECK', ctr, cf)).json).toMatchObject({ code: 999, msg: 'required prevResult missing' });
      expect((await macvlan('CHECK', ctr, withPrev({ ...cf, mode: 'vepa' }, r.json))).json.msg).toMatch(/mode bridge does not match expected value: vepa/);
    });
  });
});
