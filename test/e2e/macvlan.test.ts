// macvlan through the BUILT executable, black-box: every spec version, every key and mode
// read back with `ip -d -j`, connectivity between siblings, L2 only, linkInContainer, the
// default-route master. Each test runs the plugin inside its own scratch "host" netns
// (cnitsmh-*) whose master is the veth m0 (peer m1), with container netns cnitsmc-*; IPAM is
// our host-local on a per-file dataDir. Subnets: 10.160.x.0/24, fd00:160:x::/64.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allVersions, tempDir, type Call } from './helpers';
import {
  addrsOf, canNetns, cleanupNetns, cniIn, ipJson, leaseFiles, linkNames, makeNetns, nsMust, ping, pingSoon, pluginDir, sysctl,
  type Json, type Netns,
} from './netns';

const NET = 'mvnet';
const data = tempDir('mv');
let host: Netns;

function conf(extra: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = { ranges: [[{ subnet: '10.160.0.0/24' }]] }, version = '1.1.0') {
  return { cniVersion: version, name: NET, type: 'macvlan', master: 'm0', ...(ipam ? { ipam: { type: 'host-local', dataDir: data.path, ...ipam } } : {}), ...extra };
}
const macvlan = (command: string, ctr: Netns, cf: unknown, c: Partial<Call> = {}) =>
  cniIn(host, 'macvlan', { command, netns: ctr.path, containerID: ctr.name, ...c }, cf, pluginDir);
const withPrev = (cf: object, prevResult: unknown) => ({ ...cf, prevResult });
const link = (ns: Netns, dev: string): Json => ipJson(ns, '-d', 'link', 'show', 'dev', dev)[0];
const ok = (r: { code: number | null; stdout: string }) => expect([r.code, r.stdout]).toEqual([0, '']);
/** A veth pair a/b in `ns`, both up. */
function vethPair(ns: Netns, a: string, b: string): void {
  nsMust(ns, 'ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  nsMust(ns, 'ip', 'link', 'set', a, 'up');
  nsMust(ns, 'ip', 'link', 'set', b, 'up');
}

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'macvlan')))('macvlan', () => {
  beforeEach(() => {
    host = makeNetns('cnitsmh');
    vethPair(host, 'm0', 'm1');
  });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  it.each(allVersions)('ADD/CHECK/DEL at %s: result bytes, kernel objects, nothing left', async (version) => {
    const ctr = makeNetns('cnitsmc');
    const cf = conf({}, undefined, version);
    const r = await macvlan('ADD', ctr, cf);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const eth0 = link(ctr, 'eth0');
    let want: object;
    if (version < '0.3.0') {
      want = { cniVersion: version, ip4: { ip: '10.160.0.2/24', gateway: '10.160.0.1' }, dns: {} };
    } else if (version < '1.0.0') {
      want = {
        cniVersion: version, interfaces: [{ name: 'eth0', mac: eth0.address, sandbox: ctr.path }],
        ips: [{ version: '4', interface: 0, address: '10.160.0.2/24', gateway: '10.160.0.1' }], dns: {},
      };
    } else if (version === '1.0.0') { // as Debian's reference prints it (libcni v1.0.1): struct order, dns {}
      want = {
        cniVersion: version, interfaces: [{ name: 'eth0', mac: eth0.address, sandbox: ctr.path }],
        ips: [{ interface: 0, address: '10.160.0.2/24', gateway: '10.160.0.1' }], dns: {},
      };
    } else { // libcni >= 1.2: keys sorted, empty dns left out
      want = { cniVersion: version, interfaces: [{ mac: eth0.address, name: 'eth0', sandbox: ctr.path }], ips: [{ address: '10.160.0.2/24', gateway: '10.160.0.1', interface: 0 }] };
    }
    expect(r.stdout).toBe(JSON.stringify(want, null, 4));
    expect(eth0).toMatchObject({ link_index: link(host, 'm0').ifindex, mtu: 1500, operstate: 'UP', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } } });
    expect(addrsOf(ctr, 'eth0')).toEqual(['10.160.0.2/24']);
    expect(leaseFiles(data.path, NET)).toEqual(['10.160.0.2']);
    expect(sysctl(ctr, 'net/ipv4/conf/eth0/arp_notify')).toBe('1');
    expect(sysctl(ctr, 'net/ipv6/conf/eth0/ndisc_notify')).toBe('1');

    const chk = await macvlan('CHECK', ctr, withPrev(cf, r.json));
    if (version >= '0.4.0') expect([chk.code, chk.stdout, chk.stderr]).toEqual([0, '', '']);
    else expect(chk.json).toEqual({ code: 1, msg: 'config version does not allow CHECK' });
    ok(await macvlan('DEL', ctr, version >= '0.4.0' ? withPrev(cf, r.json) : cf));
    expect(linkNames(ctr)).toEqual(['lo']);
    expect(leaseFiles(data.path, NET)).toEqual([]);
    expect(linkNames(host)).toEqual(['lo', 'm0', 'm1']);
  });

  describe('keys', () => {
    it.each([['bridge', 1300], ['private', 1400], ['vepa', 1500], ['passthru', 0]] as const)('mode %s, mtu %s, bcqueuelen, read back; CHECK passes', async (mode, mtu) => {
      const ctr = makeNetns('cnitsmc');
      const cf = conf({ mode, mtu, bcqueuelen: 2000 + mtu }, null);
      const r = await macvlan('ADD', ctr, cf, { ifName: 'net1' });
      expect(r.code).toBe(0);
      const l = link(ctr, 'net1');
      expect(l).toMatchObject({ mtu: mtu || 1500, address: r.json.interfaces[0].mac, linkinfo: { info_kind: 'macvlan', info_data: { mode } } });
      if (l.linkinfo.info_data.bcqueuelen !== undefined) expect(l.linkinfo.info_data.bcqueuelen).toBe(2000 + mtu);
      ok(await macvlan('CHECK', ctr, withPrev(cf, r.json), { ifName: 'net1' }));
      ok(await macvlan('DEL', ctr, cf, { ifName: 'net1' }));
      expect(linkNames(ctr)).toEqual(['lo']);
    });

    it('defaults: mode bridge, the master\'s MTU (mtu 0 too), the kernel\'s bcqueuelen', async () => {
      nsMust(host, 'ip', 'link', 'set', 'm0', 'mtu', '1450');
      const ctr = makeNetns('cnitsmc');
      expect((await macvlan('ADD', ctr, conf({ mtu: 0 }, null))).code).toBe(0);
      expect(link(ctr, 'eth0')).toMatchObject({ mtu: 1450, linkinfo: { info_data: { mode: 'bridge' } } });
    });

    it('MAC: mac < CNI_ARGS MAC= < args.cni.mac < runtimeConfig.mac', async () => {
      const macs = { mac: '02:16:00:00:00:01', env: '02:16:00:00:00:02', args: '02:16:00:00:00:03', rc: '02:16:00:00:00:04' };
      const cases: [Record<string, unknown>, string, string][] = [
        [{ mac: macs.mac }, '', macs.mac],
        [{ mac: macs.mac }, `MAC=${macs.env}`, macs.env],
        [{ mac: macs.mac, args: { cni: { mac: macs.args } } }, `IgnoreUnknown=1;MAC=${macs.env};K8S_POD_NAME=p`, macs.args],
        [{ mac: macs.mac, args: { cni: { mac: macs.args } }, runtimeConfig: { mac: macs.rc.toUpperCase() } }, `MAC=${macs.env}`, macs.rc],
      ];
      for (const [extra, args, want] of cases) {
        const ctr = makeNetns('cnitsmc');
        const r = await macvlan('ADD', ctr, conf(extra, null), { args });
        expect([r.code, r.json.interfaces?.[0]?.mac, link(ctr, 'eth0').address]).toEqual([0, want, want]);
      }
    });

    it('dns from the config is the result\'s; IPAM routes are installed and reported', async () => {
      const ctr = makeNetns('cnitsmc');
      const dns = { nameservers: ['192.0.2.53'], domain: 'mv.test', search: ['mv.test'], options: ['ndots:2'] };
      const r = await macvlan('ADD', ctr, conf({ dns }, { ranges: [[{ subnet: '10.160.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.160.1.254' }] }));
      expect(r.code).toBe(0);
      expect(r.json.dns).toEqual(dns);
      expect(r.json.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.160.1.254' }]);
      const routes = ipJson(ctr, 'route', 'show').map((x: Json) => `${x.dst} ${x.gateway ?? '-'} ${x.dev}`);
      expect(routes.sort()).toEqual(['10.160.1.0/24 - eth0', '192.0.2.0/24 10.160.1.254 eth0', 'default 10.160.1.1 eth0']);
    });

    it('without master: the interface of the host\'s default route', async () => {
      nsMust(host, 'ip', 'addr', 'add', '10.160.2.1/24', 'dev', 'm1');
      nsMust(host, 'ip', 'route', 'add', 'default', 'via', '10.160.2.254', 'dev', 'm1');
      const ctr = makeNetns('cnitsmc');
      const r = await macvlan('ADD', ctr, conf({ master: undefined }, null));
      expect(r.code).toBe(0);
      expect(link(ctr, 'eth0').link_index).toBe(link(host, 'm1').ifindex);
    });
  });

  describe('connectivity', () => {
    it('bridge mode: two containers on one veth parent ping each other and the parent\'s peer; DEL cuts one off', async () => {
      nsMust(host, 'ip', 'addr', 'add', '10.160.3.254/24', 'dev', 'm1');
      const [a, b] = [makeNetns('cnitsmc'), makeNetns('cnitsmc')];
      const cf = conf({}, { ranges: [[{ subnet: '10.160.3.0/24', rangeEnd: '10.160.3.100' }]] });
      const [ra, rb] = [await macvlan('ADD', a, cf), await macvlan('ADD', b, cf)];
      expect([ra.code, rb.code]).toEqual([0, 0]);
      expect(ra.json.interfaces[0].mac).not.toBe(rb.json.interfaces[0].mac);
      expect(ping(a, '10.160.3.3')).toBe(true);
      expect(ping(b, '10.160.3.2')).toBe(true);
      expect(ping(a, '10.160.3.254')).toBe(true); // out through m0, into m1
      ok(await macvlan('DEL', b, cf));
      expect(ping(a, '10.160.3.3')).toBe(false);
    });

    it('private mode: siblings cannot reach each other', async () => {
      const [a, b] = [makeNetns('cnitsmc'), makeNetns('cnitsmc')];
      const cf = conf({ mode: 'private' }, { ranges: [[{ subnet: '10.160.4.0/24' }]] });
      expect([(await macvlan('ADD', a, cf)).code, (await macvlan('ADD', b, cf)).code]).toEqual([0, 0]);
      expect(ping(a, '10.160.4.3')).toBe(false);
    });

    it('dual stack: both families configured, CHECK passes, ping over IPv6', async () => {
      const [a, b] = [makeNetns('cnitsmc'), makeNetns('cnitsmc')];
      const cf = conf({}, { ranges: [[{ subnet: '10.160.5.0/24' }], [{ subnet: 'fd00:160:5::/64' }]] });
      const ra = await macvlan('ADD', a, cf);
      expect((await macvlan('ADD', b, cf)).code).toBe(0);
      expect(ra.json.ips.map((i: Json) => i.address)).toEqual(['10.160.5.2/24', 'fd00:160:5::2/64']);
      expect(addrsOf(a, 'eth0')).toEqual(['10.160.5.2/24', 'fd00:160:5::2/64']);
      expect(pingSoon(a, 'fd00:160:5::3')).toBe(true);
      ok(await macvlan('CHECK', a, withPrev(cf, ra.json)));
    });
  });

  it('L2 only (no ipam): link up without addresses, result has no IPs, CHECK and DEL pass', async () => {
    const ctr = makeNetns('cnitsmc');
    const cf = conf({}, null);
    const r = await macvlan('ADD', ctr, cf);
    expect(r.code).toBe(0);
    expect(Object.keys(r.json)).toEqual(['cniVersion', 'interfaces']);
    expect(link(ctr, 'eth0').flags).toContain('UP');
    expect(addrsOf(ctr, 'eth0')).toEqual([]);
    ok(await macvlan('CHECK', ctr, withPrev(cf, r.json)));
    ok(await macvlan('DEL', ctr, withPrev(cf, r.json)));
    expect(linkNames(ctr)).toEqual(['lo']);
  });

  it('linkInContainer: the master lives in the container netns (named, or its default route)', async () => {
    const ctr = makeNetns('cnitsmc');
    vethPair(ctr, 'c0', 'c1');
    const cf = conf({ master: 'c0', linkInContainer: true }, { ranges: [[{ subnet: '10.160.6.0/24' }]] });
    const r = await macvlan('ADD', ctr, cf);
    expect(r.code).toBe(0);
    expect(link(ctr, 'eth0')).toMatchObject({ link: 'c0', linkinfo: { info_kind: 'macvlan' } });
    expect(linkNames(host)).toEqual(['lo', 'm0', 'm1']);
    ok(await macvlan('CHECK', ctr, withPrev(cf, r.json)));
    ok(await macvlan('DEL', ctr, cf));
    expect(linkNames(ctr)).toEqual(['c0', 'c1', 'lo']);
    // no master: the container's default route picks c1
    nsMust(ctr, 'ip', 'addr', 'add', '10.160.7.1/24', 'dev', 'c1');
    nsMust(ctr, 'ip', 'route', 'add', 'default', 'via', '10.160.7.254');
    const r2 = await macvlan('ADD', ctr, conf({ master: undefined, linkInContainer: true }, null), { ifName: 'net1' });
    expect(r2.code).toBe(0);
    expect(link(ctr, 'net1').link).toBe('c1');
  });
});
