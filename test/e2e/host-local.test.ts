// host-local through the BUILT executable, side by side with the reference Go binary.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { allVersions, cni, hasReference, reference, tempDir, type Call } from './helpers';

// one dir for the file (the tables below build configs at definition time); emptied after each test
const dir = tempDir('hl');
afterEach(() => { for (const f of readdirSync(dir.path)) rmSync(join(dir.path, f), { recursive: true, force: true }); });
afterAll(() => dir.cleanup());

function conf(ipam: Record<string, unknown>, extra: Record<string, unknown> = {}, version = '1.1.0') {
  return { cniVersion: version, name: 'hlnet', type: 'bridge', ipam: { type: 'host-local', dataDir: dir.path, ...ipam }, ...extra };
}
const v4 = { ranges: [[{ subnet: '10.20.0.0/24' }]] };
const add = (c: Partial<Call> = {}, cf: unknown = conf(v4)) => cni('host-local', { command: 'ADD', ...c }, cf);
const leases = (net = 'hlnet') => readdirSync(join(dir.path, net)).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip')).sort();

describe('versions', () => {
  it.each(allVersions)('ADD/CHECK/DEL at %s', async (version) => {
    const cf = conf({ ...v4, routes: [{ dst: '0.0.0.0/0' }] }, {}, version);
    const r = await add({}, cf);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.cniVersion).toBe(version);
    if (version.startsWith('0.1') || version.startsWith('0.2')) {
      expect(r.json.ip4).toEqual({ ip: '10.20.0.2/24', gateway: '10.20.0.1', routes: [{ dst: '0.0.0.0/0' }] });
    } else {
      expect(r.json.ips[0]).toMatchObject({ address: '10.20.0.2/24', gateway: '10.20.0.1' });
      expect('version' in r.json.ips[0]).toBe(version < '1.0.0');
    }
    expect(leases()).toEqual(['10.20.0.2']);
    const chk = await cni('host-local', { command: 'CHECK' }, cf);
    expect(chk.code).toBe(version >= '0.4.0' ? 0 : 1);
    if (version < '0.4.0') expect(chk.json.code).toBe(1);
    const del = await cni('host-local', { command: 'DEL' }, cf);
    expect([del.code, del.stdout]).toEqual([0, '']);
    expect(leases()).toEqual([]);
  });

  it.skipIf(!hasReference)('prints byte-identical results and lease files to the reference (0.1.0 … 1.0.0)', async () => {
    const ref = tempDir('hlref');
    try {
      for (const version of allVersions.filter((v) => v !== '1.1.0')) {
        const resolv = join(dir.path, 'resolv.conf');
        writeFileSync(resolv, 'nameserver 192.0.2.53\ndomain example.test\nsearch a.test b.test\noptions ndots:2\n');
        const ipam = { resolvConf: resolv, ranges: [[{ subnet: '10.21.0.0/24' }], [{ subnet: 'fd00:21::/64' }]], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00:21::fe' }] };
        const c = { containerID: `ctr-${version}` };
        const a = await cni('host-local', { command: 'ADD', ...c }, conf(ipam, {}, version));
        const b = await cni('host-local', { command: 'ADD', ...c }, { ...conf(ipam, {}, version), ipam: { ...conf(ipam).ipam, dataDir: ref.path } }, reference);
        expect(a.code, a.stdout).toBe(0);
        expect(a.stdout, version).toBe(b.stdout);
        const got: string[] = version < '0.3.0' ? [a.json.ip4.ip, a.json.ip6.ip] : a.json.ips.map((i: { address: string }) => i.address);
        for (const ip of got.map((c) => c.split('/')[0]!)) {
          // same content; the Go v1.1.1 here writes 0644, v1.4+ (and we) 0600
          expect(readFileSync(join(dir.path, 'hlnet', ip))).toEqual(readFileSync(join(ref.path, 'hlnet', ip)));
        }
        for (const d of [dir.path, ref.path]) {
          expect(readFileSync(join(d, 'hlnet', 'last_reserved_ip.0'), 'utf8')).toBe(got[0]!.split('/')[0]);
        }
        await cni('host-local', { command: 'DEL', ...c }, conf(ipam, {}, version));
        await cni('host-local', { command: 'DEL', ...c }, { ...conf(ipam, {}, version), ipam: { ...conf(ipam).ipam, dataDir: ref.path } }, reference);
      }
    } finally {
      ref.cleanup();
    }
  });

  it('1.1.0 results have sorted keys and omit empty dns (libcni >= 1.2)', async () => {
    const r = await add();
    expect(r.stdout).toBe(JSON.stringify({ cniVersion: '1.1.0', ips: [{ address: '10.20.0.2/24', gateway: '10.20.0.1' }] }, null, 4));
  });
});

describe('keys', () => {
  it('writes lease files as the Go plugin does: content, mode 0600, lock', async () => {
    await add({ containerID: 'abc', ifName: 'net1' });
    const file = join(dir.path, 'hlnet', '10.20.0.2');
    expect(readFileSync(file).toString('hex')).toBe(Buffer.from('abc\r\nnet1').toString('hex'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir.path, 'hlnet', 'last_reserved_ip.0')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir.path, 'hlnet', 'lock')).isFile()).toBe(true);
  });

  it('legacy subnet/rangeStart/rangeEnd/gateway', async () => {
    const r = await add({}, conf({ subnet: '10.22.0.0/16', rangeStart: '10.22.5.5', rangeEnd: '10.22.5.6', gateway: '10.22.0.254' }));
    expect(r.json.ips).toEqual([{ address: '10.22.5.5/16', gateway: '10.22.0.254' }]);
  });

  it('dual stack with routes and resolvConf', async () => {
    const resolv = join(dir.path, 'resolv.conf');
    writeFileSync(resolv, '# comment\nnameserver 192.0.2.1\nnameserver 2001:db8::1\ndomain d.test\nsearch s1.test s2.test\noptions ndots:5\n; comment\n');
    const r = await add({}, conf({
      ranges: [[{ subnet: '10.23.0.0/24' }], [{ subnet: 'fd00:23::/120', gateway: 'fd00:23::fe' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '10.99.0.0/16', gw: '10.23.0.9', priority: 7, table: 100, scope: 0 }],
      resolvConf: resolv,
    }));
    expect(r.json).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.23.0.2/24', gateway: '10.23.0.1' }, { address: 'fd00:23::1/120', gateway: 'fd00:23::fe' }],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '10.99.0.0/16', gw: '10.23.0.9', priority: 7, table: 100, scope: 0 }],
      dns: { nameservers: ['192.0.2.1', '2001:db8::1'], domain: 'd.test', search: ['s1.test', 's2.test'], options: ['ndots:5'] },
    });
  });

  it('round robin continues after last_reserved_ip and wraps, skipping the gateway', async () => {
    const cf = conf({ ranges: [[{ subnet: '10.24.0.0/29' }]] }); // usable .2-.6 (.1 gateway)
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push((await add({ containerID: `rr${i}` }, cf)).json.ips[0].address);
    await cni('host-local', { command: 'DEL', containerID: 'rr0' }, cf);
    for (let i = 3; i < 6; i++) got.push((await add({ containerID: `rr${i}` }, cf)).json.ips[0].address);
    expect(got.map((a) => a.split('/')[0])).toEqual(['10.24.0.2', '10.24.0.3', '10.24.0.4', '10.24.0.5', '10.24.0.6', '10.24.0.2']);
  });

  it.each([
    ['CNI_ARGS IP=', { args: 'IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.25.0.77' }, {}],
    ['args.cni.ips', {}, { args: { cni: { ips: ['10.25.0.77/24'] } } }],
    ['runtimeConfig.ips', {}, { runtimeConfig: { ips: ['10.25.0.77'] } }],
  ])('requested IP via %s', async (_how, call, extra) => {
    const r = await add(call, conf({ ranges: [[{ subnet: '10.25.0.0/24' }]] }, extra));
    expect(r.json.ips).toEqual([{ address: '10.25.0.77/24', gateway: '10.25.0.1' }]);
    const taken = await add({ ...call, containerID: 'other' }, conf({ ranges: [[{ subnet: '10.25.0.0/24' }]] }, extra));
    expect(taken.json.code).toBe(999);
    expect(taken.json.msg).toMatch(/10\.25\.0\.77/);
    expect(leases()).toEqual(['10.25.0.77']);
  });

  it('runtimeConfig.ipRanges is used before ipam.ranges', async () => {
    const r = await add({}, conf(v4, { runtimeConfig: { ipRanges: [[{ subnet: '10.26.0.0/24' }]] } }));
    expect(r.json.ips.map((i: { address: string }) => i.address)).toEqual(['10.26.0.2/24', '10.20.0.2/24']);
  });

  it('DEL releases by containerID and ifname only, and twice is fine', async () => {
    await add({ containerID: 'c1', ifName: 'eth0' });
    await add({ containerID: 'c1', ifName: 'net1' });
    expect(leases()).toEqual(['10.20.0.2', '10.20.0.3']);
    for (let i = 0; i < 2; i++) {
      const d = await cni('host-local', { command: 'DEL', containerID: 'c1', ifName: 'net1', netns: '' }, conf(v4));
      expect([d.code, d.stdout]).toEqual([0, '']);
    }
    expect(leases()).toEqual(['10.20.0.2']);
    const chk = await cni('host-local', { command: 'CHECK', containerID: 'c1', ifName: 'net1' }, conf(v4));
    expect(chk.json).toEqual({ code: 999, msg: 'host-local: Failed to find address added by container c1' });
  });

  it('a second ADD of one attachment is refused (duplicate allocation), as the reference does', async () => {
    await add();
    const again = await add();
    expect(again.json.code).toBe(999);
    expect(again.json.msg).toMatch(/duplicate allocation is not allowed/);
  });
});

describe('bad input', () => {
  it.each([
    ['malformed JSON', {}, '{"name": ', 6, /error unmarshall network config/],
    ['missing env', { env: { CNI_CONTAINERID: undefined, CNI_PATH: undefined } }, conf(v4), 4, /required env variables \[CNI_CONTAINERID,CNI_PATH\] missing/],
    ['bad containerID', { containerID: 'a/b' }, conf(v4), 4, /invalid characters in containerID/],
    ['bad ifname', { ifName: 'way-too-long-ifname' }, conf(v4), 4, /interface name is too long/],
    ['unknown version', {}, { ...conf(v4), cniVersion: '9.9.9' }, 1, /incompatible CNI versions/],
    ['missing name', {}, { ...conf(v4), name: undefined }, 7, /missing network name/],
    ['no ranges', {}, conf({}), 7, /no IP ranges specified/],
    ['bad subnet', {}, conf({ ranges: [[{ subnet: '10.0.0.0/33' }]] }), 7, /ipam\.ranges\[0\]\[0\]\.subnet/],
    ['wrong type', {}, conf({ ranges: [[{ subnet: 42 }]] }), 7, /ipam\.ranges\[0\]\[0\]\.subnet/],
    ['host bits', {}, conf({ ranges: [[{ subnet: '10.0.0.1/24' }]] }), 7, /host bits/],
    ['rangeStart outside', {}, conf({ ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.1.1' }]] }), 7, /rangeStart/],
    ['overlapping ranges', {}, conf({ ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: '10.0.0.0/25' }]] }), 7, /overlap/],
    ['overlapping range sets', {}, conf({ ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.0.0.128/25' }]] }), 7, /overlap/],
    ['unknown CNI_ARGS', { args: 'FOO=bar' }, conf(v4), 999, /ARGS: unknown args/],
  ] as const)('%s', async (_name, call, cf, code, msg) => {
    const r = await add(call as Partial<Call>, cf);
    expect(r.code).toBe(1);
    expect(r.json.code).toBe(code);
    expect(`${r.json.msg} ${r.json.details ?? ''}`).toMatch(msg);
    expect(r.stdout).not.toMatch(/\n\s+at /); // never a stack trace
  });

  it('about text on stderr and exit 0 without CNI_COMMAND', async () => {
    const r = await cni('host-local', { command: '' }, '');
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(r.stderr).toMatch(/^CNI host-local plugin cni-ts .*\nCNI protocol versions supported: 0\.1\.0, 0\.2\.0, 0\.3\.0, 0\.3\.1, 0\.4\.0, 1\.0\.0, 1\.1\.0\n$/);
  });

  it('VERSION', async () => {
    const r = await cni('host-local', { command: 'VERSION' }, '{"cniVersion":"0.4.0"}');
    expect(r.stdout).toBe('{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n');
  });
});

describe('exhaustion, GC and STATUS', () => {
  const small = () => conf({ ranges: [[{ subnet: '10.27.0.0/30' }], [{ subnet: '10.28.0.0/24' }]] }); // set 0: one address (.2)

  it('exhaustion fails with no lease left behind, and STATUS says 50 naming the set', async () => {
    expect((await cni('host-local', { command: 'STATUS' }, small())).code).toBe(0);
    expect((await add({ containerID: 'x1' }, small())).code).toBe(0);
    const st = await cni('host-local', { command: 'STATUS' }, small());
    expect(st.json.code).toBe(50);
    expect(`${st.json.msg} ${st.json.details ?? ''}`).toMatch(/range set 0/);
    const full = await add({ containerID: 'x2' }, small());
    expect(full.json.code).toBe(999);
    expect(full.json.msg).toMatch(/failed to allocate for range 0: no IP addresses available in range set/);
    expect(leases()).toEqual(['10.27.0.2', '10.28.0.2']); // x2's address from set 1 was released again
  });

  it.each(['cni.dev/valid-attachments', 'cni.dev/attachments'])('GC releases what is not in %s', async (key) => {
    for (const id of ['keep', 'drop']) await add({ containerID: id });
    const gc = await cni('host-local', { command: 'GC', env: { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined } },
      conf(v4, { [key]: [{ containerID: 'keep', ifname: 'eth0' }] }));
    expect([gc.code, gc.stdout]).toEqual([0, '']);
    expect(leases()).toEqual(['10.20.0.2']);
    expect(readFileSync(join(dir.path, 'hlnet', '10.20.0.2'), 'utf8')).toBe('keep\r\neth0');
  });

  it('GC and STATUS need cniVersion 1.1.0', async () => {
    const r = await cni('host-local', { command: 'GC' }, conf(v4, {}, '1.0.0'));
    expect(r.json).toEqual({ code: 1, msg: 'config version does not allow GC' });
  });
});
