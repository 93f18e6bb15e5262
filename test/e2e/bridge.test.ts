// bridge through the BUILT executable, black-box: every spec version, the kernel objects it
// makes (read back with ip -j), connectivity, gateways, dual stack, DNS. Each test runs the
// plugin inside its own scratch "host" netns (cnitsbh-*) with container netns cnitsbc-*;
// IPAM is our host-local (CNI_PATH = dist/bin) on a per-file dataDir. Subnets: 10.150.x.0/24, fd00:150:x::/64.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allVersions, reference, tempDir, type Call } from './helpers';
import {
  addrsOf, bridgeJson, canNetns, cleanupNetns, cniIn, ipJson, iptablesCni, leftovers, linksOfKind, makeNetns, nothingLeft, nsMust,
  ping, pingSoon, pluginDir, sysctl, type Json, type Netns,
} from './netns';

const NET = 'brnet';
const BR = 'cnitsbr0';
const data = tempDir('br');
let host: Netns;

function conf(extra: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = { ranges: [[{ subnet: '10.150.0.0/24' }]] }, version = '1.1.0') {
  return { cniVersion: version, name: NET, type: 'bridge', bridge: BR, ...(ipam ? { ipam: { type: 'host-local', dataDir: data.path, ...ipam } } : {}), ...extra };
}
const bridge = (command: string, ctr: Netns, cf: unknown, c: Partial<Call> = {}) =>
  cniIn(host, 'bridge', { command, netns: ctr.path, containerID: ctr.name, ...c }, cf, pluginDir);
const withPrev = (cf: object, prevResult: unknown) => ({ ...cf, prevResult });
const link = (ns: Netns, dev: string): Json => ipJson(ns, '-d', 'link', 'show', 'dev', dev)[0];
const hostVeth = (ctr: Netns, ifName = 'eth0'): Json => {
  const peer = link(ctr, ifName);
  return linksOfKind(host, 'veth').find((l: Json) => l.ifindex === peer?.link_index);
};

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'bridge')))('bridge', () => {
  beforeEach(() => { host = makeNetns('cnitsbh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  describe('versions', () => {
    it.each(allVersions)('ADD/CHECK/DEL at %s: result shape, bytes, kernel objects', async (version) => {
      const ctr = makeNetns('cnitsbc');
      const cf = conf({ isGateway: true }, undefined, version);
      const r = await bridge('ADD', ctr, cf);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const br = link(host, BR);
      const eth0 = link(ctr, 'eth0');
      const veth = hostVeth(ctr);
      expect(veth?.ifname).toMatch(/^veth[0-9a-f]{8}$/);
      let want: object;
      if (version < '0.3.0') {
        want = { cniVersion: version, ip4: { ip: '10.150.0.2/24', gateway: '10.150.0.1' }, dns: {} };
      } else if (version < '1.0.0') {
        want = {
          cniVersion: version,
          interfaces: [{ name: BR, mac: br.address }, { name: veth.ifname, mac: veth.address }, { name: 'eth0', mac: eth0.address, sandbox: ctr.path }],
          ips: [{ version: '4', interface: 2, address: '10.150.0.2/24', gateway: '10.150.0.1' }],
          dns: {},
        };
      } else if (version === '1.0.0') { // byte-identical to Debian's reference (libcni v1.0.1): struct order, dns {}
        want = {
          cniVersion: version,
          interfaces: [{ name: BR, mac: br.address }, { name: veth.ifname, mac: veth.address }, { name: 'eth0', mac: eth0.address, sandbox: ctr.path }],
          ips: [{ interface: 2, address: '10.150.0.2/24', gateway: '10.150.0.1' }],
          dns: {},
        };
      } else { // 1.1.0 as libcni >= 1.2 prints it: keys sorted, empty dns left out
        want = {
          cniVersion: version,
          interfaces: [{ mac: br.address, name: BR }, { mac: veth.address, name: veth.ifname }, { mac: eth0.address, name: 'eth0', sandbox: ctr.path }],
          ips: [{ address: '10.150.0.2/24', gateway: '10.150.0.1', interface: 2 }],
        };
      }
      expect(r.stdout).toBe(JSON.stringify(want, null, 4));
      expect(addrsOf(ctr, 'eth0')).toEqual(['10.150.0.2/24']);
      expect(veth.master).toBe(BR);

      const chk = await bridge('CHECK', ctr, withPrev(cf, r.json));
      if (version >= '0.4.0') expect([chk.code, chk.stdout, chk.stderr]).toEqual([0, '', '']);
      else expect(chk.json).toEqual({ code: 1, msg: 'config version does not allow CHECK' });

      const del = await bridge('DEL', ctr, version >= '0.4.0' ? withPrev(cf, r.json) : cf);
      expect([del.code, del.stdout]).toEqual([0, '']);
      expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
      expect(link(host, BR)?.linkinfo.info_kind).toBe('bridge'); // the bridge is never deleted
    });
  });

  describe('kernel state', () => {
    it('bridge up, veth pair named and enslaved, CNI_IFNAME in the container with address, routes, sysctls', async () => {
      const ctr = makeNetns('cnitsbc');
      nsMust(host, 'sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward'); // a new netns inherits the machine's value
      const r = await bridge('ADD', ctr, conf({ isDefaultGateway: true }, { ranges: [[{ subnet: '10.150.1.0/24' }]] }), { ifName: 'net1' });
      expect(r.code).toBe(0);
      const br = link(host, BR);
      expect(br).toMatchObject({ ifname: BR, address: r.json.interfaces[0].mac, linkinfo: { info_kind: 'bridge' } });
      expect(br.flags).toContain('UP');
      expect(addrsOf(host, BR)).toEqual(['10.150.1.1/24']); // isDefaultGateway implies isGateway

      const net1 = link(ctr, 'net1');
      expect(net1).toMatchObject({ address: r.json.interfaces[2].mac, linkinfo: { info_kind: 'veth' }, operstate: 'UP' });
      expect(linksOfKind(ctr, 'veth').map((l: Json) => l.ifname)).toEqual(['net1']);
      const veths = linksOfKind(host, 'veth');
      expect(veths).toHaveLength(1);
      expect(veths[0]).toMatchObject({
        ifname: r.json.interfaces[1].name, address: r.json.interfaces[1].mac, master: BR, operstate: 'UP',
        link_index: net1.ifindex, linkinfo: { info_slave_kind: 'bridge' },
      });
      expect(net1.link_index).toBe(veths[0].ifindex);
      expect(r.json.interfaces[2]).toEqual({ mac: net1.address, name: 'net1', sandbox: ctr.path });

      expect(addrsOf(ctr, 'net1')).toEqual(['10.150.1.2/24']);
      const routes = ipJson(ctr, 'route', 'show').map((x: Json) => `${x.dst} ${x.gateway ?? '-'} ${x.dev}`);
      expect(routes.sort()).toEqual(['10.150.1.0/24 - net1', 'default 10.150.1.1 net1']);
      expect(r.json.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.150.1.1' }]);

      expect(sysctl(ctr, 'net/ipv4/conf/net1/arp_notify')).toBe('1');
      expect(sysctl(ctr, 'net/ipv6/conf/net1/accept_dad')).toBe('0'); // enabledad defaults to false
      expect(sysctl(host, `net/ipv6/conf/${BR}/accept_ra`)).toBe('0');
      expect(sysctl(host, `net/ipv6/conf/${veths[0].ifname}/accept_ra`)).toBe('0');
      expect(sysctl(host, 'net/ipv4/ip_forward')).toBe('1'); // a v4 gateway enables v4 forwarding
      expect(sysctl(host, 'net/ipv6/conf/all/forwarding')).toBe('0'); // ... and no v6 one, none of v6
    });

    it('without isGateway the bridge gets no address and forwarding is left alone', async () => {
      const ctr = makeNetns('cnitsbc');
      // a new netns inherits the machine's IPv4 settings: start this one from 0 explicitly
      nsMust(host, 'sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward');
      const r = await bridge('ADD', ctr, conf({}, { ranges: [[{ subnet: '10.150.2.0/24' }]] }));
      expect(r.code).toBe(0);
      expect(addrsOf(host, BR)).toEqual([]);
      expect(sysctl(host, 'net/ipv4/ip_forward')).toBe('0');
      expect(r.json.ips).toEqual([{ address: '10.150.2.2/24', gateway: '10.150.2.1', interface: 2 }]);
      expect(ipJson(ctr, 'route', 'show', 'default')).toEqual([]);
    });

    it('L2 only (no ipam): no addresses, container link up, CHECK passes (the reference fails it), DEL', async () => {
      const ctr = makeNetns('cnitsbc');
      const cf = conf({}, null);
      const r = await bridge('ADD', ctr, cf);
      expect(r.code).toBe(0);
      expect(Object.keys(r.json)).toEqual(['cniVersion', 'interfaces']);
      expect(r.json.interfaces.map((i: Json) => i.name)).toEqual([BR, hostVeth(ctr).ifname, 'eth0']);
      expect(link(ctr, 'eth0').flags).toContain('UP');
      expect(addrsOf(ctr, 'eth0')).toEqual([]);
      const chk = await bridge('CHECK', ctr, withPrev(cf, r.json));
      expect([chk.code, chk.stdout]).toEqual([0, '']);
      const del = await bridge('DEL', ctr, withPrev(cf, r.json));
      expect([del.code, del.stdout]).toEqual([0, '']);
      expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    });

    it('DEL twice succeeds, and DEL of something never added too', async () => {
      const ctr = makeNetns('cnitsbc');
      const cf = conf();
      const r = await bridge('ADD', ctr, cf);
      expect(r.code).toBe(0);
      for (let i = 0; i < 2; i++) {
        const del = await bridge('DEL', ctr, withPrev(cf, r.json));
        expect([del.code, del.stdout, i]).toEqual([0, '', i]);
      }
      const never = await bridge('DEL', ctr, cf, { containerID: 'never-added' });
      expect([never.code, never.stdout]).toEqual([0, '']);
      expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    });
  });

  describe('connectivity and gateways', () => {
    it('two containers ping each other, the gateway and the host; after DEL the peer is gone', async () => {
      const [a, b] = [makeNetns('cnitsbc'), makeNetns('cnitsbc')];
      const cf = conf({ isGateway: true }, { ranges: [[{ subnet: '10.150.3.0/24' }]] });
      const ra = await bridge('ADD', a, cf);
      const rb = await bridge('ADD', b, cf);
      expect([ra.code, rb.code]).toEqual([0, 0]);
      expect([ra.json.ips[0].address, rb.json.ips[0].address]).toEqual(['10.150.3.2/24', '10.150.3.3/24']);
      expect(linksOfKind(host, 'veth').map((l: Json) => l.master)).toEqual([BR, BR]);
      expect(ping(a, '10.150.3.3')).toBe(true);
      expect(ping(b, '10.150.3.2')).toBe(true);
      expect(ping(a, '10.150.3.1')).toBe(true);
      expect(ping(host, '10.150.3.3')).toBe(true);
      expect((await bridge('DEL', b, withPrev(cf, rb.json))).code).toBe(0);
      expect(ping(a, '10.150.3.3')).toBe(false);
      expect(ping(a, '10.150.3.1')).toBe(true);
    });

    it('isDefaultGateway adds no second default route when IPAM returns one with a gw', async () => {
      const ctr = makeNetns('cnitsbc');
      const r = await bridge('ADD', ctr, conf({ isDefaultGateway: true }, {
        ranges: [[{ subnet: '10.150.4.0/24' }]], routes: [{ dst: '0.0.0.0/0', gw: '10.150.4.254' }, { dst: '192.0.2.0/24' }],
      }));
      expect(r.code).toBe(0);
      expect(r.json.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.150.4.254' }, { dst: '192.0.2.0/24' }]);
      const routes = ipJson(ctr, 'route', 'show').map((x: Json) => `${x.dst} ${x.gateway ?? '-'}`);
      expect(routes.sort()).toEqual(['10.150.4.0/24 -', '192.0.2.0/24 10.150.4.1', 'default 10.150.4.254']);
      expect(addrsOf(host, BR)).toEqual(['10.150.4.1/24']);
    });

    it('dual stack: both families on the container and as gateways on the bridge, v6 sysctls, ping over both', async () => {
      const [a, b] = [makeNetns('cnitsbc'), makeNetns('cnitsbc')];
      const cf = conf({ isDefaultGateway: true }, { ranges: [[{ subnet: '10.150.5.0/24' }], [{ subnet: 'fd00:150:5::/64' }]] });
      const ra = await bridge('ADD', a, cf);
      const rb = await bridge('ADD', b, cf);
      expect([ra.code, rb.code]).toEqual([0, 0]);
      expect(ra.json.ips).toEqual([
        { address: '10.150.5.2/24', gateway: '10.150.5.1', interface: 2 },
        { address: 'fd00:150:5::2/64', gateway: 'fd00:150:5::1', interface: 2 },
      ]);
      expect(ra.json.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.150.5.1' }, { dst: '::/0', gw: 'fd00:150:5::1' }]);
      expect(addrsOf(a, 'eth0')).toEqual(['10.150.5.2/24', 'fd00:150:5::2/64']);
      expect(addrsOf(host, BR).sort()).toEqual(['10.150.5.1/24', 'fd00:150:5::1/64']);
      expect(ipJson(a, '-6', 'route', 'show', 'default').map((x: Json) => x.gateway)).toEqual(['fd00:150:5::1']);
      expect(sysctl(a, 'net/ipv6/conf/eth0/keep_addr_on_down')).toBe('1');
      expect(sysctl(a, 'net/ipv6/conf/eth0/disable_ipv6')).toBe('0');
      expect(sysctl(host, 'net/ipv6/conf/all/forwarding')).toBe('1');
      expect(pingSoon(a, 'fd00:150:5::3')).toBe(true);
      expect(pingSoon(a, 'fd00:150:5::1')).toBe(true); // the bridge's own DAD may still run: bounded retries
      expect(ping(b, '10.150.5.2')).toBe(true);
      const chk = await bridge('CHECK', a, withPrev(cf, ra.json));
      expect([chk.code, chk.stdout]).toEqual([0, '']);
    });
  });

  describe('dns', () => {
    const resolv = join(data.path, 'resolv.conf');
    it.each([
      ['IPAM dns when the config has none', {}, { nameservers: ['192.0.2.53'], domain: 'ipam.test', search: ['s.ipam.test'] }],
      ['config dns replaces IPAM dns', { dns: { nameservers: ['198.51.100.1'], search: ['conf.test'], options: ['ndots:3'] } },
        { nameservers: ['198.51.100.1'], search: ['conf.test'], options: ['ndots:3'] }],
    ])('%s', async (_name, extra, dns) => {
      writeFileSync(resolv, 'nameserver 192.0.2.53\ndomain ipam.test\nsearch s.ipam.test\n');
      const ctr = makeNetns('cnitsbc');
      const r = await bridge('ADD', ctr, conf(extra, { ranges: [[{ subnet: '10.150.6.0/24' }]], resolvConf: resolv }));
      expect(r.code).toBe(0);
      expect(r.json.dns).toEqual(dns);
    });
  });

  // where v1.1.1 and v1.9.1 agree (not: keep_addr_on_down, IPAM dns, 1.1.0, STATUS, nftables, portIsolation)
  describe.skipIf(!existsSync(join(reference, 'bridge')))('side by side with the reference bridge (Debian v1.1.1)', () => {
    it('same result bytes (MACs and veth name aside) and the same kernel state, at 1.0.0', async () => {
      const cf = (dataDir: string) => ({
        cniVersion: '1.0.0', name: NET, type: 'bridge', bridge: BR, isDefaultGateway: true, ipMasq: true, hairpinMode: true, mtu: 1450,
        dns: { nameservers: ['192.0.2.53'] },
        ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.150.7.0/24' }], [{ subnet: 'fd00:150:7::/64' }]] },
      });
      const sides = [[pluginDir, join(data.path, 'ours')], [reference, join(data.path, 'ref')]] as const;
      const seen: unknown[] = [];
      for (const [dir, dataDir] of sides) {
        const h = makeNetns('cnitsbh');
        const c = makeNetns('cnitsbc');
        const r = await cniIn(h, 'bridge', { command: 'ADD', netns: c.path, containerID: 'sbs1' }, cf(dataDir), dir);
        expect(r.code, `${dir}: ${r.stdout}`).toBe(0);
        const veth = r.json.interfaces[1].name;
        const routes = (fam: string) => ipJson(c, fam, 'route', 'show').map((x: Json) => ({ ...x, prefsrc: undefined }));
        const pick = (l: Json) => ({ flags: l.flags, mtu: l.mtu, operstate: l.operstate, master: l.master, kind: l.linkinfo?.info_kind });
        seen.push({
          stdout: r.stdout.replaceAll(c.path, 'NETNS').replaceAll(veth, 'VETH').replace(/"([0-9a-f]{2}:){5}[0-9a-f]{2}"/g, '"MAC"'),
          bridge: { ...pick(ipJson(h, '-d', 'link', 'show', 'dev', BR)[0]), addrs: addrsOf(h, BR).sort() },
          veth: { ...pick(ipJson(h, '-d', 'link', 'show', 'dev', veth)[0]), hairpin: bridgeJson(h, '-d', 'link', 'show', 'dev', veth)[0].hairpin },
          eth0: { ...pick(ipJson(c, '-d', 'link', 'show', 'dev', 'eth0')[0]), addrs: addrsOf(c, 'eth0') },
          routes4: routes('-4'), routes6: routes('-6').filter((x: Json) => !String(x.dst).startsWith('fe80')),
          sysctls: [
            sysctl(c, 'net/ipv4/conf/eth0/arp_notify'), sysctl(c, 'net/ipv6/conf/eth0/accept_dad'),
            sysctl(h, `net/ipv6/conf/${BR}/accept_ra`), sysctl(h, `net/ipv6/conf/${veth}/accept_ra`),
            sysctl(h, 'net/ipv4/ip_forward'), sysctl(h, 'net/ipv6/conf/all/forwarding'),
          ],
          iptables: iptablesCni(h).sort(),
        });
      }
      expect(seen[0]).toEqual(seen[1]);
    });
  });
});
