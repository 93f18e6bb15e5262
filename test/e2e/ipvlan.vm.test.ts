// ipvlan end to end. This host's kernel has no ipvlan: the tests run only under
// ../shared/vm/run (a stock Debian kernel, CNI_VM=1; `npm run test:vm`), e.g.
//   ../shared/vm/run --timeout 900 -- node node_modules/vitest/vitest.mjs run test/e2e/ipvlan.vm.test.ts
// Masters are dummy links in a scratch host netns (cnitsih-*), containers cnitsic-*. The kernel
// keeps one ipvlan mode per master: every test gives each mode its own dummy. Subnets: 10.162.x.0/24.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type Call } from './helpers';
import {
  addrsOf, canNetns, cleanupNetns, cniIn, ipJson, leaseFiles, linkNames, makeNetns, nsMust, ping, pingSoon, pluginDir, type Json, type Netns,
} from './netns';

const inVm = process.env['CNI_VM'] === '1';
const NET = 'ipvm';
/** made in beforeAll: hooks of a file whose tests all skip never run, so a top-level temp dir would leak on the host */
let data: ReturnType<typeof tempDir>;
let host: Netns;
// build/vm-test.sh points pluginDir at dist/portable: the emulated CPU cannot load the snapshot build
const dir = pluginDir;

function conf(extra: Record<string, unknown> = {}, subnet = '10.162.0.0/24', routes?: unknown[]): Record<string, unknown> {
  return { cniVersion: '1.1.0', name: NET, type: 'ipvlan', master: 'd0', ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet }]], ...(routes && { routes }) }, ...extra };
}
const ipvlan = (command: string, ctr: Netns, cf: unknown, c: Partial<Call> = {}) =>
  cniIn(host, 'ipvlan', { command, netns: ctr.path, containerID: ctr.name, ...c }, cf, dir);
const withPrev = (cf: object, prevResult: unknown) => ({ ...cf, prevResult });
const link = (ns: Netns, dev: string): Json => ipJson(ns, '-d', 'link', 'show', 'dev', dev)[0];
const done = (r: { code: number | null; stdout: string; stderr: string }) => expect([r.code, r.stdout], r.stderr).toEqual([0, '']);
function dummy(ns: Netns, name: string): void {
  nsMust(ns, 'ip', 'link', 'add', name, 'type', 'dummy');
  nsMust(ns, 'ip', 'link', 'set', name, 'up');
}

if (!inVm) {
  it.skip('ipvlan end to end: modes, flags, l2 ping, l3 routes, DEL, cleanup (host kernel has no ipvlan; runs under ../shared/vm/run via npm run test:vm)', () => undefined);
}

describe.runIf(inVm && canNetns && existsSync(join(pluginDir, 'ipvlan')))('ipvlan (VM kernel)', () => {
  beforeAll(() => {
    data = tempDir('ipv');
  });
  beforeEach(() => {
    host = makeNetns('cnitsih');
    for (const d of ['d0', 'd1', 'd2']) dummy(host, d);
  });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => {
    data.cleanup();
    if (dir !== pluginDir) rmSync(dir, { recursive: true, force: true });
  });

  it('every mode and flag read back, with mtu; result bytes; CHECK; DEL twice leaves nothing', async () => {
    const combos = [['l2', 'bridge', 'd0', 0], ['l3', 'private', 'd1', 1400], ['l3s', 'vepa', 'd2', 0]] as const;
    for (const [i, [mode, flags, master, mtu]] of combos.entries()) {
      const ctr = makeNetns('cnitsic');
      const cf = conf({ master, mode, flags, ...(mtu && { mtu }) }, `10.162.${i}.0/24`);
      const r = await ipvlan('ADD', ctr, cf);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const l = link(ctr, 'eth0');
      expect(l).toMatchObject({ mtu: mtu || 1500, address: link(host, master).address, link_index: link(host, master).ifindex, linkinfo: { info_kind: 'ipvlan', info_data: { mode, [flags]: true } } });
      expect(r.stdout).toBe(JSON.stringify({
        cniVersion: '1.1.0', interfaces: [{ mac: l.address, name: 'eth0', sandbox: ctr.path }],
        ips: [{ address: `10.162.${i}.2/24`, gateway: `10.162.${i}.1`, interface: 0 }],
      }, null, 4));
      expect(addrsOf(ctr, 'eth0')).toEqual([`10.162.${i}.2/24`]);
      done(await ipvlan('CHECK', ctr, withPrev(cf, r.json)));
      for (let n = 0; n < 2; n++) done(await ipvlan('DEL', ctr, withPrev(cf, r.json)));
      expect([linkNames(ctr), leaseFiles(data.path, NET)]).toEqual([['lo'], []]);
    }
    expect(linkNames(host)).toEqual(['d0', 'd1', 'd2', 'lo']);
  });

  it('l2 dual stack: two namespaces ping each other; a slave of another mode switches the master, CHECK notices', async () => {
    const [a, b, c] = [makeNetns('cnitsic'), makeNetns('cnitsic'), makeNetns('cnitsic')];
    const cf = { ...conf(), ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: '10.162.3.0/24' }], [{ subnet: 'fd00:162:3::/64' }]] } };
    const ra = await ipvlan('ADD', a, cf);
    expect([ra.code, (await ipvlan('ADD', b, cf)).code]).toEqual([0, 0]);
    expect(addrsOf(a, 'eth0')).toEqual(['10.162.3.2/24', 'fd00:162:3::2/64']);
    expect(ping(a, '10.162.3.3')).toBe(true);
    expect(ping(b, '10.162.3.2')).toBe(true);
    expect(pingSoon(a, 'fd00:162:3::3')).toBe(true); // slaves share the MAC, not the link-local address
    expect((await ipvlan('ADD', c, { ...cf, mode: 'l3' })).code).toBe(0);
    expect(link(a, 'eth0').linkinfo.info_data.mode).toBe('l3'); // the kernel's mode is per master
    const chk = await ipvlan('CHECK', a, withPrev(cf, ra.json));
    expect(chk.json?.msg).toMatch(/mode l3 does not match expected value: l2/);
  });

  it('l3 with routes: the routes are installed and the namespaces ping each other', async () => {
    const [a, b] = [makeNetns('cnitsic'), makeNetns('cnitsic')];
    const cf = conf({ mode: 'l3', master: 'd1' }, '10.162.4.0/24', [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.162.4.254' }]);
    const ra = await ipvlan('ADD', a, cf);
    expect([ra.code, (await ipvlan('ADD', b, cf)).code]).toEqual([0, 0]);
    expect(ra.json.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.162.4.254' }]);
    const routes = ipJson(a, 'route', 'show').map((x: Json) => `${x.dst} ${x.gateway ?? '-'} ${x.dev}`);
    expect(routes.sort()).toEqual(['10.162.4.0/24 - eth0', '192.0.2.0/24 10.162.4.254 eth0', 'default 10.162.4.1 eth0']);
    expect(ping(a, '10.162.4.3')).toBe(true);
    done(await ipvlan('CHECK', a, withPrev(cf, ra.json)));
  });

  it.each([
    ['mode', { mode: 'l4' }, /^mode: unknown ipvlan mode "l4"/],
    ['flags', { flags: 'hairpin' }, /^flags: unknown ipvlan flag "hairpin"/],
    ['mtu', { mtu: 9000 }, /^mtu: invalid MTU 9000, must be \[0, master MTU\(1500\)\]/],
  ])('bad %s → code 7 naming it, nothing left', async (_field, extra, msg) => {
    const ctr = makeNetns('cnitsic');
    const r = await ipvlan('ADD', ctr, conf(extra, '10.162.5.0/24'));
    expect([r.code, r.json?.code]).toEqual([1, 7]);
    expect(r.json.details).toMatch(msg);
    expect([linkNames(ctr), leaseFiles(data.path, NET)]).toEqual([['lo'], []]);
  });

  it('without master the default route\'s interface; DEL after the route is gone releases the lease', async () => {
    nsMust(host, 'ip', 'addr', 'add', '10.162.6.254/24', 'dev', 'd2');
    nsMust(host, 'ip', 'route', 'add', 'default', 'via', '10.162.6.1');
    const ctr = makeNetns('cnitsic');
    const cf = conf({ master: undefined }, '10.162.6.0/24');
    const r = await ipvlan('ADD', ctr, cf);
    expect(r.code, r.stdout).toBe(0);
    expect(link(ctr, 'eth0').link_index).toBe(link(host, 'd2').ifindex);
    nsMust(host, 'ip', 'route', 'del', 'default');
    for (let n = 0; n < 2; n++) done(await ipvlan('DEL', ctr, cf));
    expect([linkNames(ctr), leaseFiles(data.path, NET)]).toEqual([['lo'], []]);
  });

  it('a failed ADD leaves nothing: IPAM exhausted, a route the kernel refuses after IPAM', async () => {
    const [a, b, c] = [makeNetns('cnitsic'), makeNetns('cnitsic'), makeNetns('cnitsic')];
    const cf = conf({}, '10.162.7.0/30'); // one address: .2
    expect((await ipvlan('ADD', a, cf)).code).toBe(0);
    const full = await ipvlan('ADD', b, cf);
    expect(full.json).toMatchObject({ code: 999, msg: expect.stringMatching(/failed to allocate for range 0/) });
    expect([linkNames(b), leaseFiles(data.path, NET)]).toEqual([['lo'], ['10.162.7.2']]);
    const bad = await ipvlan('ADD', c, conf({ master: 'd1' }, '10.162.8.0/24', [{ dst: '192.0.2.0/24', gw: '198.51.100.1' }]));
    expect(bad.json).toMatchObject({ code: 999, msg: expect.stringMatching(/failed to add route/) });
    expect([linkNames(c), leaseFiles(data.path, NET)]).toEqual([['lo'], ['10.162.7.2']]);
  });

  it('chained without ipam: master and IPs from prevResult; linkInContainer with a master in the container', async () => {
    const ctr = makeNetns('cnitsic');
    const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'd1' }], ips: [{ address: '10.162.9.5/24', gateway: '10.162.9.1' }], routes: [{ dst: '192.0.2.0/24' }] };
    const { ipam: _ipam, ...chained } = conf({ master: undefined, prevResult: prev });
    const r = await ipvlan('ADD', ctr, chained);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json).toMatchObject({ interfaces: [{ name: 'eth0', sandbox: ctr.path }], ips: [{ address: '10.162.9.5/24', gateway: '10.162.9.1', interface: 0 }], routes: [{ dst: '192.0.2.0/24' }] });
    expect(link(ctr, 'eth0').link_index).toBe(link(host, 'd1').ifindex);
    expect(addrsOf(ctr, 'eth0')).toEqual(['10.162.9.5/24']);
    done(await ipvlan('DEL', ctr, chained));
    expect(linkNames(ctr)).toEqual(['lo']);

    dummy(ctr, 'cd0');
    const cf = conf({ master: 'cd0', linkInContainer: true }, '10.162.10.0/24');
    const r2 = await ipvlan('ADD', ctr, cf, { ifName: 'net1' });
    expect(r2.code, r2.stdout).toBe(0);
    expect(link(ctr, 'net1')).toMatchObject({ link: 'cd0', linkinfo: { info_kind: 'ipvlan' } });
    done(await ipvlan('CHECK', ctr, withPrev(cf, r2.json), { ifName: 'net1' }));
    done(await ipvlan('DEL', ctr, cf, { ifName: 'net1' }));
    expect([linkNames(ctr), leaseFiles(data.path, NET)]).toEqual([['cd0', 'lo'], []]);
  });
});
