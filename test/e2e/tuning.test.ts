// tuning through the BUILT executable, chained after bridge as libcni does (ADD forward with
// prevResult, DEL in reverse): the container interface and sysctls read back from the kernel,
// DEL restoring the originals, the saved-state file shared with the reference (/usr/lib/cni,
// v1.1.1: no txQLen, no allowlist) both ways, and bad input refused with nothing changed.
// Host netns cnitskh-*, container netns cnitskc-*, subnet 10.151.0.0/24.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exec, hasReference, pluginEnv, reference, tempDir, type Outcome } from './helpers';
import { canNetns, cleanupNetns, cniIn, ipJson, makeNetns, nsMust, pluginDir, sysctl, type Json, type Netns } from './netns';

const NET = 'tunet';
const ipam = tempDir('tun-ipam');
const state = tempDir('tun-state');
let host: Netns;
let ctr: Netns;

const bridgeConf = { cniVersion: '1.0.0', name: NET, type: 'bridge', bridge: 'cnitstun0', ipam: { type: 'host-local', dataDir: ipam.path, ranges: [[{ subnet: '10.151.0.0/24' }]] } };
const tuningConf = (extra: object) => ({ cniVersion: '1.0.0', name: NET, type: 'tuning', dataDir: state.path, ...extra });
const call = (plugin: string, command: string, cf: object, dir = pluginDir): Promise<Outcome> =>
  cniIn(host, plugin, { command, netns: ctr.path, containerID: 'cnitsk1', path: pluginDir }, cf, dir);
const eth0 = (): Json => ipJson(ctr, '-d', 'link', 'show', 'dev', 'eth0')[0];
/** what tuning may change, as the kernel shows it */
function attrs(): object {
  const l = eth0();
  return {
    mac: l.address, mtu: l.mtu, txqlen: l.txqlen, promisc: (l.flags as string[]).includes('PROMISC'), allmulti: (l.flags as string[]).includes('ALLMULTI'),
    arpNotify: sysctl(ctr, 'net/ipv4/conf/eth0/arp_notify'), somaxconn: sysctl(ctr, 'net/core/somaxconn'),
  };
}
const stateFiles = (): string[] => readdirSync(state.path);

/** bridge ADD, then tuning ADD on its result; returns both outcomes. */
async function addChain(tuning: object, tuningDir = pluginDir): Promise<{ br: Outcome; tu: Outcome }> {
  const br = await call('bridge', 'ADD', bridgeConf);
  expect(br.code).toBe(0);
  const tu = await call('tuning', 'ADD', tuningConf({ ...tuning, prevResult: br.json }), tuningDir);
  return { br, tu };
}

/** Runs tuning ADD inside a private mount namespace whose /etc/cni/tuning/allowlist.conf holds `lines`. */
function withAllowlist(lines: string[], cf: object): Promise<Outcome> {
  const script = 'mount -t tmpfs cnitsk /etc/cni && mkdir /etc/cni/tuning && printf "%s\\n" "$@" > /etc/cni/tuning/allowlist.conf && exec ip netns exec "$NS" "$PLUGIN"';
  const env = { ...pluginEnv({ command: 'ADD', netns: ctr.path, containerID: 'cnitsk1' }, pluginDir), NS: host.name, PLUGIN: join(pluginDir, 'tuning') };
  return exec('unshare', env, JSON.stringify(cf), ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...lines]);
}

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'tuning')))('tuning', () => {
  beforeEach(() => { host = makeNetns('cnitskh'); ctr = makeNetns('cnitskc'); });
  afterEach(() => {
    cleanupNetns();
    for (const d of [ipam.path, state.path]) for (const f of readdirSync(d)) rmSync(join(d, f), { recursive: true, force: true });
  });
  afterAll(() => { ipam.cleanup(); state.cleanup(); });

  it('bridge → tuning: every key applied in the container, CHECK, DEL in reverse restores the originals', async () => {
    const br = await call('bridge', 'ADD', bridgeConf);
    const before = attrs();
    const cf = tuningConf({
      sysctl: { 'net.ipv4.conf.IFNAME.arp_notify': '0', 'net.core.somaxconn': '512' },
      mac: '02:AA:bb:cc:dd:01', mtu: 1400, promisc: true, allmulti: true, txQLen: 500, prevResult: br.json,
    });
    const tu = await call('tuning', 'ADD', cf);
    expect([tu.code, tu.stderr]).toEqual([0, '']);
    expect(attrs()).toEqual({ mac: '02:aa:bb:cc:dd:01', mtu: 1400, txqlen: 500, promisc: true, allmulti: true, arpNotify: '0', somaxconn: '512' });
    // prevResult goes on with the new MAC on the container interface
    expect(tu.json).toEqual({ ...br.json, interfaces: br.json.interfaces.map((i: Json) => (i.name === 'eth0' ? { ...i, mac: '02:aa:bb:cc:dd:01' } : i)) });
    const b = before as Record<string, unknown>;
    expect(readFileSync(join(state.path, 'cnitsk1_eth0.json'), 'utf8')).toBe(JSON.stringify({
      mac: b['mac'], promisc: false, mtu: b['mtu'], allmulti: false, txQLen: b['txqlen'],
      sysctl: { 'net/core/somaxconn': b['somaxconn'], 'net/ipv4/conf/eth0/arp_notify': b['arpNotify'] },
    }, null, 1));
    expect((await call('tuning', 'CHECK', { ...cf, prevResult: tu.json })).code).toBe(0);
    nsMust(ctr, 'ip', 'link', 'set', 'eth0', 'mtu', '1300');
    expect((await call('tuning', 'CHECK', { ...cf, prevResult: tu.json })).json.msg).toBe('Error: Tuning configured MTU of eth0 is 1400, current value is 1300');

    expect((await call('tuning', 'DEL', { ...cf, prevResult: tu.json })).code).toBe(0);
    expect(attrs()).toEqual(before);
    expect(stateFiles()).toEqual([]);
    expect((await call('bridge', 'DEL', { ...bridgeConf, prevResult: tu.json })).code).toBe(0);
  });

  it.each([
    ['args.cni overrides the keys, runtimeConfig.mac the plain mac', { mac: '02:00:00:00:00:01', mtu: 1500, runtimeConfig: { mac: '02:00:00:00:00:02' }, args: { cni: { mtu: 1280, allmulti: true, sysctl: { 'net.core.somaxconn': '300' } } } },
      { mac: '02:00:00:00:00:02', mtu: 1280, allmulti: true, somaxconn: '300' }],
    ['args.cni.mac wins over runtimeConfig.mac', { runtimeConfig: { mac: '02:00:00:00:00:02' }, args: { cni: { mac: '02:00:00:00:00:03' } } }, { mac: '02:00:00:00:00:03' }],
  ])('%s', async (_what, extra, want) => {
    const { tu } = await addChain(extra);
    expect(tu.code).toBe(0);
    expect(attrs()).toMatchObject(want);
    expect((await call('tuning', 'DEL', tuningConf(extra))).code).toBe(0);
  });

  describe.skipIf(!hasReference)('the saved-state file with the reference (/usr/lib/cni/tuning v1.1.1)', () => {
    const keys = { mac: '02:00:00:00:00:09', mtu: 1280, promisc: true, allmulti: true };
    it.each([
      ['ours ADD, reference DEL', pluginDir, reference],
      ['reference ADD, ours DEL', reference, pluginDir],
    ])('%s restores the originals', async (_what, adder, deleter) => {
      const br = await call('bridge', 'ADD', bridgeConf);
      const before = attrs();
      const tu = await call('tuning', 'ADD', tuningConf({ ...keys, prevResult: br.json }), adder);
      expect(tu.code).toBe(0);
      expect(attrs()).toMatchObject({ mac: keys.mac, mtu: 1280, promisc: true, allmulti: true });
      const file = readFileSync(join(state.path, 'cnitsk1_eth0.json'), 'utf8');
      const b = before as Record<string, unknown>;
      expect(file).toBe(JSON.stringify({ mac: b['mac'], promisc: false, mtu: b['mtu'], allmulti: false }, null, 1)); // the same bytes from both
      expect((await call('tuning', 'DEL', tuningConf({ ...keys, prevResult: tu.json }), deleter)).code).toBe(0);
      expect(attrs()).toEqual(before);
      expect(stateFiles()).toEqual([]);
    });
  });

  describe('bad input: code 7 naming the field, nothing changed, no file', () => {
    const ok = { mac: '02:00:00:00:00:05', mtu: 1400, sysctl: { 'net.core.somaxconn': '600' } };
    it.each([
      ['a non-net sysctl', { sysctl: { 'kernel.hostname': 'x' } }, 'sysctl["kernel.hostname"]: invalid net sysctl key "kernel/hostname"'],
      // every dot becomes a slash, so ".." cannot climb: it names a file below net/ that does not exist
      ['a sysctl trying to climb out of net/', { sysctl: { 'net/../kernel/hostname': 'x' } }, 'sysctl["net/../kernel/hostname"]: cannot read /proc/sys/net/kernel/hostname'],
      ['the net directory itself', { sysctl: { net: 'x' } }, 'sysctl["net"]: invalid net sysctl key "net"'],
      ['a sysctl that does not exist', { sysctl: { 'net.ipv4.conf.IFNAME.nosuch': '1' } }, 'sysctl["net.ipv4.conf.IFNAME.nosuch"]: cannot read'],
      ['an args.cni sysctl outside net', { args: { cni: { sysctl: { 'vm.swappiness': '1' } } } }, 'args.cni.sysctl["vm.swappiness"]: invalid net sysctl key "vm/swappiness"'],
      ['a bad mac', { mac: 'zz:00:00:00:00:01' }, 'mac: invalid MAC address "zz:00:00:00:00:01"'],
      ['a bad runtimeConfig.mac', { runtimeConfig: { mac: '02:00:00:00:01' } }, 'runtimeConfig.mac: invalid MAC address "02:00:00:00:01"'],
      ['a multicast mac', { mac: '03:00:00:00:00:01' }, 'mac: 03:00:00:00:00:01 is a multicast MAC address'],
      ['a negative mtu', { mtu: -1 }, 'mtu: invalid MTU -1'],
      ['an mtu above the link maximum', { mtu: 70000 }, 'mtu: invalid MTU 70000 for eth0 (must be between 68 and 65535)'],
      ['an mtu below the link minimum', { mtu: 60 }, 'mtu: invalid MTU 60 for eth0 (must be between 68 and 65535)'],
      ['a negative txQLen', { txQLen: -1 }, 'txQLen: invalid transmit queue length -1'],
      ['promisc not a boolean', { promisc: 'yes' }, 'promisc must be boolean'],
    ])('%s', async (_what, bad, details) => {
      const br = await call('bridge', 'ADD', bridgeConf);
      const before = attrs();
      const r = await call('tuning', 'ADD', tuningConf({ ...ok, ...bad, prevResult: br.json }));
      expect(r.json.code, r.stdout).toBe(7);
      expect(r.json.details).toContain(details);
      expect(attrs()).toEqual(before);
      expect(stateFiles()).toEqual([]);
    });

    it('duplicated sysctl keys', async () => {
      const br = await call('bridge', 'ADD', bridgeConf);
      const text = JSON.stringify(tuningConf({ prevResult: br.json })).replace('{', '{"sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"},');
      const r = await cniIn(host, 'tuning', { command: 'ADD', netns: ctr.path, containerID: 'cnitsk1' }, text, pluginDir);
      expect(r.json).toMatchObject({ code: 7, details: 'sysctl["net.core.somaxconn"]: duplicated sysctl keys are not allowed' });
    });

    it('a failure after changes began restores them and removes the file', async () => {
      const br = await call('bridge', 'ADD', bridgeConf);
      const before = attrs();
      const r = await call('tuning', 'ADD', tuningConf({ ...ok, sysctl: { 'net.core.somaxconn': '600', 'net.ipv4.conf.IFNAME.arp_notify': 'notanumber' }, prevResult: br.json }));
      expect(r.json.code).toBe(999);
      expect(r.json.msg).toContain('net.ipv4.conf.IFNAME.arp_notify');
      expect(attrs()).toEqual(before);
      expect(stateFiles()).toEqual([]);
    });
  });

  describe('the allowlist (/etc/cni/tuning/allowlist.conf, in a private mount namespace)', () => {
    it.each([
      ['a key it matches', ['^net\\.core\\.somaxconn$', '^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$'], { 'net.ipv4.conf.IFNAME.arp_notify': '0' }, undefined],
      ['a key it does not match', ['^net\\.core\\.somaxconn$'], { 'net.ipv4.conf.IFNAME.arp_notify': '0' },
        'sysctl["net.ipv4.conf.IFNAME.arp_notify"]: Sysctl net.ipv4.conf.IFNAME.arp_notify is not allowed. Only the following sysctls are allowed: [^net\\.core\\.somaxconn$]'],
    ])('%s', async (_what, lines, sysctls, details) => {
      const br = await call('bridge', 'ADD', bridgeConf);
      const r = await withAllowlist(lines, tuningConf({ sysctl: sysctls, prevResult: br.json }));
      if (!details) return expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.json).toMatchObject({ code: 7, details });
      expect(stateFiles()).toEqual([]);
    });
  });
});
