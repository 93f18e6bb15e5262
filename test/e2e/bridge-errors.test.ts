// bridge failures through the built executable, in scratch namespaces: every error is a CNI
// error object on stdout (config → 7 naming the field, kernel/runtime → 999, IPAM's own code
// passed through), never a stack trace, and a failed ADD leaves nothing behind (no veth on
// either side, no lease, no masquerade rule, no spoof-check chain). STATUS, VERSION, about.
// Subnets: 10.153.x.0/24.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type Call } from './helpers';
import { canNetns, cleanupNetns, cniIn, leftovers, makeNetns, nothingLeft, nsMust, pluginDir, type Netns } from './netns';

const NET = 'brerr';
const BR = 'cnitsbr3';
const data = tempDir('bre');
let host: Netns;

function conf(extra: Record<string, unknown> = {}, subnet = '10.153.0.0/24', version = '1.1.0'): Record<string, unknown> {
  return { cniVersion: version, name: NET, type: 'bridge', bridge: BR, ipMasq: true, ipMasqBackend: 'iptables', ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet }]] }, ...extra };
}
const bridge = (command: string, ctr: Netns, cf: unknown, c: Partial<Call> = {}) =>
  cniIn(host, 'bridge', { command, netns: ctr.path, containerID: ctr.name, ...c }, cf, pluginDir);
const noAttachmentEnv = { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined };

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'bridge')))('bridge errors', () => {
  beforeEach(() => { host = makeNetns('cnitsbh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  describe('bad input: an error object, and nothing left behind', () => {
    it.each([
      ['malformed JSON', {}, '{"name": ', 6, /error unmarshall network config/],
      ['missing env', { env: { CNI_CONTAINERID: undefined, CNI_PATH: undefined } }, conf(), 4, /required env variables \[CNI_CONTAINERID,CNI_PATH\] missing/],
      ['bad ifname', { ifName: 'way-too-long-ifname' }, conf(), 4, /interface name is too long/],
      ['unknown version', {}, conf({ cniVersion: '9.9.9' }), 1, /incompatible CNI versions/],
      ['missing name', {}, conf({ name: undefined }), 7, /missing network name/],
      ['missing netns path', { netns: '/var/run/netns/cnitsbc-absent' }, conf(), 999, /cnitsbc-absent/],
      ['netns path that is no netns', { netns: '/etc/hostname' }, conf(), 999, /\/etc\/hostname/],
      ['vlan above 4094', {}, conf({ vlan: 5000 }), 7, /vlan/],
      ['negative vlan', {}, conf({ vlan: -1 }), 7, /vlan/],
      ['vlan of the wrong type', {}, conf({ vlan: '5' }), 7, /vlan/],
      ['vlanTrunk id 0', {}, conf({ vlanTrunk: [{ id: 0 }] }), 7, /vlanTrunk/],
      ['vlanTrunk id above 4094', {}, conf({ vlanTrunk: [{ id: 4095 }] }), 7, /vlanTrunk/],
      ['vlanTrunk minID without maxID', {}, conf({ vlanTrunk: [{ minID: 10 }] }), 7, /maxID/],
      ['vlanTrunk minID above maxID', {}, conf({ vlanTrunk: [{ minID: 10, maxID: 5 }] }), 7, /minID/],
      ['unknown ipMasqBackend', {}, conf({ ipMasqBackend: 'bpf' }), 7, /ipMasqBackend/],
      ['negative mtu', {}, conf({ mtu: -1 }), 7, /mtu/],
      ['mtu as a string', {}, conf({ mtu: '1400' }), 7, /mtu/],
      ['portIsolation as a string (the cni.dev example)', {}, conf({ portIsolation: 'true' }), 7, /portIsolation/],
      ['hairpinMode with promiscMode', {}, conf({ hairpinMode: true, promiscMode: true }), 7, /hairpin/i],
      ['disableContainerInterface with ipam', {}, conf({ disableContainerInterface: true }), 7, /disableContainerInterface/i],
      ['runtimeConfig.mac that is no MAC', {}, conf({ runtimeConfig: { mac: 'not-a-mac' } }), 7, /mac/i],
      ['bridge name longer than 15 bytes', {}, conf({ bridge: 'cnits-bridge-too-long' }), 7, /bridge/],
      ['unknown IPAM plugin', {}, conf({ ipam: { type: 'cnits-no-such-ipam' } }), 999, /cnits-no-such-ipam/],
    ] as const)('%s → %s', async (_name, call, cf, code, msg) => {
      const ctr = makeNetns('cnitsbc');
      const r = await bridge('ADD', ctr, cf, call as Partial<Call>);
      expect(r.code).toBe(1);
      expect(r.json.code).toBe(code);
      expect(`${r.json.msg} ${r.json.details ?? ''}`).toMatch(msg);
      expect(r.stdout).not.toMatch(/\n\s+at /); // never a stack trace
      expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    });

    it('an L2 result cannot be printed as 0.2.0: error, nothing left', async () => {
      const ctr = makeNetns('cnitsbc');
      const { ipam: _ipam, ...l2 } = conf({ ipMasq: false }, undefined, '0.2.0');
      const r = await bridge('ADD', ctr, l2);
      expect(r.code).toBe(1);
      expect(r.json.msg).toMatch(/no valid IP addresses/);
      expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    });

    it('DEL with a bad config still errors', async () => {
      const ctr = makeNetns('cnitsbc');
      const r = await bridge('DEL', ctr, conf({ ipMasqBackend: 'bpf' }));
      expect(r.json.code).toBe(7);
      expect(`${r.json.msg} ${r.json.details ?? ''}`).toMatch(/ipMasqBackend/);
    });
  });

  it('an existing non-bridge link with the bridge\'s name: error, nothing left', async () => {
    nsMust(host, 'ip', 'link', 'add', BR, 'type', 'veth', 'peer', 'name', `${BR}p`);
    const ctr = makeNetns('cnitsbc');
    const r = await bridge('ADD', ctr, conf({ isGateway: true }));
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(new RegExp(`"${BR}" already exists but is not a bridge`)) });
    expect(leftovers(host, ctr, data.path, NET)).toEqual({ ...nothingLeft, hostVeths: [BR, `${BR}p`] });
  });

  it('CNI_IFNAME already in the container: error, the existing link untouched, nothing else left', async () => {
    const ctr = makeNetns('cnitsbc');
    nsMust(ctr, 'ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
    const r = await bridge('ADD', ctr, conf({ macspoofchk: true }));
    expect(r.code).toBe(1);
    expect(r.json.code).toBe(999);
    expect(r.json.msg).toMatch(/eth0/);
    expect(r.json.msg).toMatch(/exist/);
    expect(leftovers(host, ctr, data.path, NET)).toEqual({ ...nothingLeft, container: ['eth0', 'eth0p', 'lo'] });
  });

  it('IPAM failure (exhausted range): IPAM\'s error passes through and the attempt leaves nothing; STATUS says 50', async () => {
    const cf = conf({ isGateway: true, macspoofchk: true }, '10.153.1.0/30'); // one address: .2
    const [a, b] = [makeNetns('cnitsbc'), makeNetns('cnitsbc')];
    const status = () => cniIn(host, 'bridge', { command: 'STATUS', env: noAttachmentEnv }, cf, pluginDir);
    const st0 = await status();
    expect([st0.code, st0.stdout]).toEqual([0, '']);
    expect((await bridge('ADD', a, cf)).code).toBe(0);
    const before = leftovers(host, a, data.path, NET);
    expect(before.leases).toEqual(['10.153.1.2']);
    expect(before.spoofChains).toHaveLength(2);
    expect(before.iptables.length).toBeGreaterThan(0);
    const full = await bridge('ADD', b, cf);
    expect(full.code).toBe(1);
    expect(full.json.code).toBe(999); // host-local's code
    expect(full.json.msg).toMatch(/failed to allocate for range 0/);
    expect(leftovers(host, b, data.path, NET)).toEqual({ ...before, container: ['lo'] });
    const st = await status();
    expect(st.json.code).toBe(50);
    expect(st.stdout).not.toMatch(/\n\s+at /);
  });

  it('STATUS without IPAM succeeds; STATUS needs 1.1.0', async () => {
    const { ipam: _ipam, ...l2 } = conf({ ipMasq: false });
    const ok = await cniIn(host, 'bridge', { command: 'STATUS', env: noAttachmentEnv }, l2, pluginDir);
    expect([ok.code, ok.stdout]).toEqual([0, '']);
    const old = await cniIn(host, 'bridge', { command: 'STATUS', env: noAttachmentEnv }, conf({}, undefined, '1.0.0'), pluginDir);
    expect(old.json).toEqual({ code: 1, msg: 'config version does not allow STATUS' });
  });

  it('VERSION, and the about text without CNI_COMMAND', async () => {
    const v = await cniIn(host, 'bridge', { command: 'VERSION' }, '{"cniVersion":"0.4.0"}', pluginDir);
    expect(v.stdout).toBe('{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n');
    const about = await cniIn(host, 'bridge', { command: '' }, '', pluginDir);
    expect([about.code, about.stdout]).toEqual([0, '']);
    expect(about.stderr).toMatch(/^CNI bridge plugin .*\nCNI protocol versions supported: 0\.1\.0, 0\.2\.0, 0\.3\.0, 0\.3\.1, 0\.4\.0, 1\.0\.0, 1\.1\.0\n$/);
  });
});
