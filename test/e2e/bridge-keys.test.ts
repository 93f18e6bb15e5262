// bridge configuration keys, black-box through the built executable, each test in its own
// scratch host netns (cnitsbh-*) with container netns cnitsbc-*. Subnets: 10.151.x.0/24.
// Also: the stable bridge MAC, and CHECK failing after drift.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type Call } from './helpers';
import {
  addrsOf, bridgeJson, canNetns, cleanupNetns, cniIn, ipJson, leftovers, linksOfKind, makeNetns, nftChains, nftRules,
  nothingLeft, nsMust, ping, pluginDir, sysctl, type Json, type Netns,
} from './netns';

const NET = 'brkeys';
const BR = 'cnitsbr1';
const data = tempDir('brk');
let host: Netns;

function conf(extra: Record<string, unknown> = {}, subnet: string | null = '10.151.0.0/24') {
  return { cniVersion: '1.1.0', name: NET, type: 'bridge', bridge: BR, ...(subnet ? { ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet }]] } } : {}), ...extra };
}
const bridge = (command: string, ctr: Netns, cf: unknown, c: Partial<Call> = {}) =>
  cniIn(host, 'bridge', { command, netns: ctr.path, containerID: ctr.name, ...c }, cf, pluginDir);
const withPrev = (cf: object, prevResult: unknown) => ({ ...cf, prevResult });
const link = (ns: Netns, dev: string): Json => ipJson(ns, '-d', 'link', 'show', 'dev', dev)[0];
const hostVeth = (ctr: Netns, ifName = 'eth0'): Json => {
  const peer = link(ctr, ifName);
  return linksOfKind(host, 'veth').find((l: Json) => l.ifindex === peer?.link_index);
};
/** `bridge -d link show` of a port: hairpin, isolated, state */
const port = (dev: string): Json => bridgeJson(host, '-d', 'link', 'show', 'dev', dev)[0];

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'bridge')))('bridge keys', () => {
  beforeEach(() => { host = makeNetns('cnitsbh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  it.each([
    ['refused without forceAddress', false],
    ['replaced with forceAddress', true],
  ])('an existing different bridge address is %s', async (_name, forceAddress) => {
    nsMust(host, 'ip', 'link', 'add', BR, 'type', 'bridge');
    nsMust(host, 'ip', 'addr', 'add', '10.151.0.9/24', 'dev', BR);
    const ctr = makeNetns('cnitsbc');
    const r = await bridge('ADD', ctr, conf({ isGateway: true, forceAddress }));
    if (forceAddress) {
      expect(r.code).toBe(0);
      expect(addrsOf(host, BR)).toEqual(['10.151.0.1/24']);
    } else {
      expect(r.json).toMatchObject({ code: 999, msg: expect.stringMatching(new RegExp(`"${BR}" already has an IP address different from 10\\.151\\.0\\.1/24`)) });
      expect(addrsOf(host, BR)).toEqual(['10.151.0.9/24']);
      expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    }
  });

  it('mtu applies to a new bridge and both veth ends', async () => {
    const ctr = makeNetns('cnitsbc');
    const r = await bridge('ADD', ctr, conf({ mtu: 1400 }, '10.151.1.0/24'));
    expect(r.code).toBe(0);
    expect([link(host, BR).mtu, hostVeth(ctr).mtu, link(ctr, 'eth0').mtu]).toEqual([1400, 1400, 1400]);
  });

  it.each([
    [{}, false, false],
    [{ hairpinMode: true }, true, false],
    [{ portIsolation: true }, false, true],
    [{ hairpinMode: true, portIsolation: true }, true, true],
  ])('port flags of %j: hairpin %s, isolated %s', async (extra, hairpin, isolated) => {
    const ctr = makeNetns('cnitsbc');
    const r = await bridge('ADD', ctr, conf(extra, '10.151.2.0/24'));
    expect(r.code).toBe(0);
    const veth = hostVeth(ctr).ifname;
    expect(port(veth)).toMatchObject({ master: BR, state: 'forwarding', hairpin, isolated });
    expect(link(host, veth).linkinfo.info_slave_data).toMatchObject({ hairpin, isolated });
  });

  it('isolated ports reach the gateway but not each other', async () => {
    const [a, b] = [makeNetns('cnitsbc'), makeNetns('cnitsbc')];
    const cf = conf({ isGateway: true, portIsolation: true }, '10.151.3.0/24');
    expect((await bridge('ADD', a, cf)).code).toBe(0);
    expect((await bridge('ADD', b, cf)).code).toBe(0);
    expect(ping(a, '10.151.3.1')).toBe(true);
    expect(ping(b, '10.151.3.1')).toBe(true);
    expect(ping(a, '10.151.3.3')).toBe(false);
  });

  it('promiscMode sets the bridge promiscuous; CHECK compares it with the config', async () => {
    const ctr = makeNetns('cnitsbc');
    const cf = conf({ promiscMode: true }, '10.151.4.0/24');
    const r = await bridge('ADD', ctr, cf);
    expect(r.code).toBe(0);
    expect(link(host, BR).flags).toContain('PROMISC');
    expect(link(host, BR).promiscuity).toBeGreaterThanOrEqual(1);
    expect((await bridge('CHECK', ctr, withPrev(cf, r.json))).code).toBe(0);
    const off = await bridge('CHECK', ctr, withPrev({ ...cf, promiscMode: false }, r.json));
    expect(off.json).toMatchObject({ code: 999, msg: expect.stringMatching(/promisc/i) });
  });

  it.each([
    [false, '0'],
    [true, '1'],
  ])('enabledad %s: accept_dad %s in the container', async (enabledad, acceptDad) => {
    const ctr = makeNetns('cnitsbc');
    const r = await bridge('ADD', ctr, conf({ enabledad }, '10.151.5.0/24'));
    expect(r.code).toBe(0);
    expect(sysctl(ctr, 'net/ipv6/conf/eth0/accept_dad')).toBe(acceptDad);
    if (enabledad) expect(sysctl(ctr, 'net/ipv6/conf/eth0/enhanced_dad')).toBe('1');
  });

  it('macspoofchk: bridge nat chains per attachment, a spoofed source MAC is dropped, DEL removes them', async () => {
    const [a, b] = [makeNetns('cnitsbc'), makeNetns('cnitsbc')];
    const cf = conf({ macspoofchk: true }, '10.151.6.0/24');
    const ra = await bridge('ADD', a, cf);
    const rb = await bridge('ADD', b, cf);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const chain = (ns: Netns) => `cni-br-iface-${ns.name}-eth0`;
    expect(nftChains(host, 'bridge', 'nat')).toEqual(['PREROUTING', chain(a), `${chain(a)}-mac`, chain(b), `${chain(b)}-mac`].sort());
    const rules = nftRules(host, 'bridge', 'nat');
    const jump = rules.find((x: Json) => x.chain === 'PREROUTING' && x.comment === `macspoofchk-${a.name}-eth0`);
    expect(jump?.expr).toEqual([
      { match: { op: '==', left: { meta: { key: 'iifname' } }, right: ra.json.interfaces[1].name } },
      { jump: { target: chain(a) } },
    ]);
    const macRules = rules.filter((x: Json) => x.chain === `${chain(a)}-mac`).map((x: Json) => x.expr);
    expect(macRules).toEqual([
      [{ match: { op: '==', left: { payload: { protocol: 'ether', field: 'saddr' } }, right: ra.json.interfaces[2].mac } }, { return: null }],
      [{ drop: null }],
    ]);
    expect(ping(a, '10.151.6.3')).toBe(true);
    nsMust(a, 'ip', 'link', 'set', 'eth0', 'address', '02:00:00:15:10:66');
    expect(ping(a, '10.151.6.3')).toBe(false);
    for (const [ns, r] of [[a, ra], [b, rb]] as const) expect((await bridge('DEL', ns, withPrev(cf, r.json))).code).toBe(0);
    expect(nftChains(host, 'bridge', 'nat').filter((c) => c.startsWith('cni-'))).toEqual([]);
    expect(nftRules(host, 'bridge', 'nat').filter((x: Json) => String(x.comment).startsWith('macspoofchk'))).toEqual([]);
  });

  it('disableContainerInterface (L2): the container link stays down; DEL cleans up', async () => {
    const ctr = makeNetns('cnitsbc');
    const cf = conf({ disableContainerInterface: true }, null);
    const r = await bridge('ADD', ctr, cf);
    expect(r.code).toBe(0);
    expect(link(ctr, 'eth0').flags).not.toContain('UP');
    expect(hostVeth(ctr).master).toBe(BR);
    expect((await bridge('DEL', ctr, withPrev(cf, r.json))).code).toBe(0);
    expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
  });

  it.each([
    ['CNI_ARGS MAC=', {}, 'IgnoreUnknown=1;MAC=0a:58:0a:97:07:01', '0a:58:0a:97:07:01'],
    ['args.cni.mac over CNI_ARGS', { args: { cni: { mac: '0a:58:0a:97:07:02' } } }, 'IgnoreUnknown=1;MAC=0a:58:0a:97:07:01', '0a:58:0a:97:07:02'],
    ['runtimeConfig.mac over both', { args: { cni: { mac: '0a:58:0a:97:07:02' } }, runtimeConfig: { mac: '0a:58:0a:97:07:03' } }, 'IgnoreUnknown=1;MAC=0a:58:0a:97:07:01', '0a:58:0a:97:07:03'],
  ])('container MAC from %s', async (_name, extra, args, mac) => {
    const ctr = makeNetns('cnitsbc');
    const cf = conf(extra, '10.151.7.0/24');
    const r = await bridge('ADD', ctr, cf, { args });
    expect(r.code).toBe(0);
    expect(link(ctr, 'eth0').address).toBe(mac);
    expect(r.json.interfaces[2]).toEqual({ mac, name: 'eth0', sandbox: ctr.path });
    expect((await bridge('CHECK', ctr, withPrev(cf, r.json), { args })).code).toBe(0);
  });

  it('the bridge MAC is set once: it survives a lower port MAC joining, so CHECK still passes (L2)', async () => {
    const [a, b] = [makeNetns('cnitsbc'), makeNetns('cnitsbc')];
    const cf = conf({}, null);
    const ra = await bridge('ADD', a, cf);
    expect(ra.code).toBe(0);
    const brMac = ra.json.interfaces[0].mac;
    expect(link(host, BR).address).toBe(brMac);
    const rb = await bridge('ADD', b, cf);
    expect(rb.json.interfaces[0].mac).toBe(brMac);
    // an unpinned bridge would now take the lowest port MAC
    nsMust(host, 'ip', 'link', 'set', rb.json.interfaces[1].name, 'address', '02:00:00:00:00:01');
    expect(link(host, BR).address).toBe(brMac);
    const chk = await bridge('CHECK', a, withPrev(cf, ra.json));
    expect([chk.code, chk.stdout]).toEqual([0, '']);
  });

  describe('CHECK after drift', () => {
    const cf = conf({ isDefaultGateway: true }, '10.151.8.0/24');
    it.each([
      ['the container address deleted', (c: Netns) => nsMust(c, 'ip', 'addr', 'del', '10.151.8.2/24', 'dev', 'eth0'), /10\.151\.8\.2/],
      ['the container MAC changed', (c: Netns) => nsMust(c, 'ip', 'link', 'set', 'eth0', 'address', '02:00:00:15:18:02'), /mac/i],
      ['the default route deleted', (c: Netns) => nsMust(c, 'ip', 'route', 'del', 'default'), /route/i],
      ['the host veth detached from the bridge', (c: Netns) => nsMust(host, 'ip', 'link', 'set', hostVeth(c).ifname, 'nomaster'), /veth/i],
    ])('fails when %s', async (_name, drift, msg) => {
      const ctr = makeNetns('cnitsbc');
      const r = await bridge('ADD', ctr, cf);
      expect(r.code).toBe(0);
      expect((await bridge('CHECK', ctr, withPrev(cf, r.json))).code).toBe(0);
      drift(ctr);
      const chk = await bridge('CHECK', ctr, withPrev(cf, r.json));
      expect(chk.code).toBe(1);
      expect(chk.json.code).toBe(999);
      expect(`${chk.json.msg} ${chk.json.details ?? ''}`).toMatch(msg);
      expect(chk.stdout).not.toMatch(/\n\s+at /);
    });

    it('fails without prevResult', async () => {
      const ctr = makeNetns('cnitsbc');
      expect((await bridge('ADD', ctr, cf)).code).toBe(0);
      const chk = await bridge('CHECK', ctr, cf);
      expect(chk.json).toMatchObject({ msg: expect.stringMatching(/prevResult/) });
    });
  });
});
