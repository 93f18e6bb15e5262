import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CniError } from '../../lib/cni/errors';
import type { CmdArgs, NetConf, Verb } from '../../lib/cni/plugin';
import { DiskStore } from '../../ipam/host-local/disk-store';
import { parseResolvConfText } from '../../ipam/host-local/dns';
import { makeHostLocalFuncs } from '../../ipam/host-local/host-local';

let tmp: string;
let dir: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'host-local-disk-'));
  dir = path.join(tmp, 'mynet');
  single = conf({ ranges: [[{ subnet: '10.1.2.0/24' }]] });
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const funcs = makeHostLocalFuncs();

function conf(ipam: Record<string, unknown>, extra: Record<string, unknown> = {}): NetConf {
  if (!tmp) throw new Error('conf() before beforeEach: dataDir would default to /var/lib/cni/networks');
  return { cniVersion: '1.1.0', name: 'mynet', ...extra, ipam: { type: 'host-local', dataDir: tmp, ...ipam } } as NetConf;
}

function cmd(command: Verb, c: NetConf, containerID = 'ctr-1', ifName = 'eth0'): CmdArgs {
  return { command, containerID, netns: '', ifName, args: '', path: [], stdin: Buffer.from(JSON.stringify(c)), conf: c, env: {}, stderr: () => undefined };
}

async function errorOf(p: Promise<unknown>): Promise<CniError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

const read = (name: string) => fs.readFileSync(path.join(dir, name));
const mode = (name: string) => fs.statSync(path.join(dir, name)).mode & 0o777;
const files = () => fs.readdirSync(dir).sort();
const lease = (name: string, content: string) => fs.writeFileSync(path.join(dir, name), content, { mode: 0o600 });
let single: NetConf;

describe('on-disk format', () => {
  it('writes the lease, last_reserved_ip and lock exactly as the Go plugin', async () => {
    const c = conf({ ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: 'fd00:10::/64' }]] });
    const res = await funcs.add(cmd('ADD', c));
    expect(res).toEqual({
      cniVersion: '1.1.0',
      ips: [
        { address: '10.1.2.2/24', gateway: '10.1.2.1' },
        { address: 'fd00:10::2/64', gateway: 'fd00:10::1' },
      ],
    });
    expect(files()).toEqual(['10.1.2.2', 'fd00:10::2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    expect(read('10.1.2.2')).toEqual(Buffer.from([0x63, 0x74, 0x72, 0x2d, 0x31, 0x0d, 0x0a, 0x65, 0x74, 0x68, 0x30]));
    expect(read('fd00:10::2').toString()).toBe('ctr-1\r\neth0');
    expect(read('last_reserved_ip.0').toString()).toBe('10.1.2.2');
    expect(read('last_reserved_ip.1').toString()).toBe('fd00:10::2');
    expect(read('lock').length).toBe(0);
    const umask = process.umask();
    expect([mode('10.1.2.2'), mode('fd00:10::2'), mode('last_reserved_ip.0')]).toEqual([0o600, 0o600, 0o600].map((m) => m & ~umask));
    expect(mode('lock')).toBe(0o750 & ~umask);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o755 & ~umask);
  });

  it('reserves with O_EXCL: an existing file is a taken address', async () => {
    fs.mkdirSync(dir);
    lease('10.1.2.2', 'someone-else\r\neth0');
    const res = await funcs.add(cmd('ADD', single));
    expect(res.ips?.[0]?.address).toBe('10.1.2.3/24');
    expect(read('10.1.2.2').toString()).toBe('someone-else\r\neth0');
    const store = new DiskStore('mynet', tmp);
    try {
      expect(store.reserve('x', 'eth0', '10.1.2.3', 0)).toBe(false);
      expect(store.reserve('x', 'eth0', '10.1.2.4', 0)).toBe(true);
    } finally {
      store.close();
    }
    expect(read('10.1.2.3').toString()).toBe('ctr-1\r\neth0');
    expect(read('last_reserved_ip.0').toString()).toBe('10.1.2.4');
  });

  it('continues round robin from last_reserved_ip', async () => {
    fs.mkdirSync(dir);
    lease('last_reserved_ip.0', '10.1.2.200');
    expect((await funcs.add(cmd('ADD', single))).ips?.[0]?.address).toBe('10.1.2.201/24');
  });

  it('holds flock(LOCK_EX) on <dir>/lock, the file the Go plugin locks', () => {
    const store = new DiskStore('mynet', tmp);
    const tryLock = () => spawnSync('flock', ['-n', '-x', path.join(dir, 'lock'), 'true']).status;
    try {
      store.lock();
      expect(tryLock()).toBe(1);
      store.unlock();
      expect(tryLock()).toBe(0);
    } finally {
      store.close();
    }
  });
});

describe('ADD failures', () => {
  it('refuses a duplicate allocation and rolls back on failure', async () => {
    await funcs.add(cmd('ADD', single));
    const e = await errorOf(funcs.add(cmd('ADD', single)));
    expect([e.code, e.message]).toEqual([999, 'failed to allocate for range 0: 10.1.2.2 has been allocated to ctr-1, duplicate allocation is not allowed']);

    const two = conf({ ranges: [[{ subnet: '10.1.3.0/24' }], [{ subnet: '10.1.2.0/24' }]] }, { args: { cni: { ips: ['10.1.2.2'] } } });
    const e2 = await errorOf(funcs.add(cmd('ADD', two, 'ctr-2')));
    expect(e2.message).toBe('failed to allocate for range 1: requested IP address 10.1.2.2 is not available in range set 10.1.2.1-10.1.2.254');
    expect(files()).toEqual(['10.1.2.2', 'last_reserved_ip.0', 'lock']); // 10.1.3.2 released again
    expect(read('last_reserved_ip.0').toString()).toBe('10.1.3.2'); // round-robin state is not rolled back

    const unused = conf({ ranges: [[{ subnet: '10.1.3.0/24' }]] }, { args: { cni: { ips: ['10.1.3.9', '10.9.9.9', '10.1.3.9'] } } });
    const e3 = await errorOf(funcs.add(cmd('ADD', unused, 'ctr-3')));
    expect(e3.message).toBe('failed to allocate all requested IPs: 10.9.9.9');
    expect(fs.existsSync(path.join(dir, '10.1.3.9'))).toBe(false);
  });

  it('reports the full range set as code 999', async () => {
    const tiny = conf({ ranges: [[{ subnet: '10.1.0.0/29', rangeStart: '10.1.0.2', rangeEnd: '10.1.0.3' }]] });
    await funcs.add(cmd('ADD', tiny, 'a'));
    await funcs.add(cmd('ADD', tiny, 'b'));
    const e = await errorOf(funcs.add(cmd('ADD', tiny, 'c')));
    expect([e.code, e.message]).toEqual([999, 'failed to allocate for range 0: no IP addresses available in range set: 10.1.0.2-10.1.0.3']);
  });
});

describe('DEL and CHECK', () => {
  it('releases only the attachment, idempotently, without a netns', async () => {
    await funcs.add(cmd('ADD', single, 'ctr-1', 'eth0'));
    await funcs.add(cmd('ADD', single, 'ctr-1', 'eth1'));
    await funcs.del(cmd('DEL', single, 'ctr-1', 'eth0'));
    expect(files()).toEqual(['10.1.2.3', 'last_reserved_ip.0', 'lock']);
    await funcs.del(cmd('DEL', single, 'ctr-1', 'eth0'));
    await funcs.del(cmd('DEL', single, 'unknown', 'eth0'));
    expect(files()).toEqual(['10.1.2.3', 'last_reserved_ip.0', 'lock']);
  });

  it('matches trimmed content and falls back to legacy files holding only the container ID', async () => {
    fs.mkdirSync(dir);
    lease('10.1.2.7', '  ctr-1\r\neth0\n ');
    lease('10.1.2.8', 'ctr-1');
    await funcs.del(cmd('DEL', single));
    expect(files()).toEqual(['10.1.2.8', 'lock']); // the legacy file only goes when nothing else matched
    await funcs.del(cmd('DEL', single));
    expect(files()).toEqual(['lock']);
  });

  it('never touches lock or last_reserved_ip files, even when the content matches', async () => {
    fs.mkdirSync(dir);
    lease('last_reserved_ip.0', '10.1.2.9');
    lease('10.1.2.9', '10.1.2.9');
    await funcs.del(cmd('DEL', single, '10.1.2.9'));
    expect(files()).toEqual(['last_reserved_ip.0', 'lock']);
  });

  it('CHECK finds the lease (or a legacy one) and fails like the reference otherwise', async () => {
    await funcs.add(cmd('ADD', single));
    await funcs.check!(cmd('CHECK', single));
    await funcs.del(cmd('DEL', single));
    const e = await errorOf(funcs.check!(cmd('CHECK', single)));
    expect([e.code, e.message]).toEqual([999, 'host-local: Failed to find address added by container ctr-1']);
    lease('10.1.2.50', 'ctr-1');
    await funcs.check!(cmd('CHECK', single));
  });
});

describe('GC', () => {
  const setup = () => {
    fs.mkdirSync(dir);
    lease('10.1.2.2', 'a\r\neth0');
    lease('10.1.2.3', 'b\r\neth0');
    lease('10.1.2.4', 'a\r\neth1');
    lease('10.1.2.5', 'c');
    lease('10.1.2.6', 'd');
    lease('last_reserved_ip.0', '10.1.2.6');
    lease('notes.txt', 'b\r\neth0');
  };

  it('releases every lease whose attachment is not valid', async () => {
    setup();
    const c = conf({ ranges: [[{ subnet: '10.1.2.0/24' }]] }, { 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }, { containerID: 'c', ifname: 'eth1' }] });
    await funcs.gc!(cmd('GC', c, ''));
    expect(files()).toEqual(['10.1.2.2', '10.1.2.5', 'last_reserved_ip.0', 'lock', 'notes.txt']);
  });

  it('uses cni.dev/attachments when the newer key is absent; null means none is valid', async () => {
    setup();
    await funcs.gc!(cmd('GC', conf({ subnet: '10.1.2.0/24' }, { 'cni.dev/attachments': [{ containerID: 'b', ifname: 'eth0' }] }), ''));
    expect(files()).toEqual(['10.1.2.3', 'last_reserved_ip.0', 'lock', 'notes.txt']);
    await funcs.gc!(cmd('GC', conf({ subnet: '10.1.2.0/24' }, { 'cni.dev/valid-attachments': null }), ''));
    expect(files()).toEqual(['last_reserved_ip.0', 'lock', 'notes.txt']);
  });

  it.each([
    // [the config GC is run with, leases left] — two configs named "mynet" share the directory:
    // A hands out 10.1.2.0/24, B 10.9.0.0/24; each GC lists only its own attachments
    ['A', ['10.1.2.2', '10.9.0.2', '10.9.0.3']],
    ['B', ['10.1.2.2', '10.1.2.3', '10.9.0.2']],
  ])("GC of config %s leaves the other config's leases alone", async (which, left) => {
    fs.mkdirSync(dir);
    lease('10.1.2.2', 'a-keep\r\neth0');
    lease('10.1.2.3', 'a-gone\r\neth0');
    lease('10.9.0.2', 'b-keep\r\neth0');
    lease('10.9.0.3', 'b-gone\r\neth0');
    const [subnet, keep] = which === 'A' ? ['10.1.2.0/24', 'a-keep'] : ['10.9.0.0/24', 'b-keep'];
    await funcs.gc!(cmd('GC', conf({ ranges: [[{ subnet }]] }, { 'cni.dev/valid-attachments': [{ containerID: keep, ifname: 'eth0' }] }), ''));
    expect(files().filter((f) => /^\d/.test(f))).toEqual(left);
  });

  it('releases nothing without an attachment list', async () => {
    setup();
    const before = files();
    await funcs.gc!(cmd('GC', single, ''));
    expect(files()).toEqual(before);
  });
});

describe('STATUS', () => {
  it('is code 50 once a range set is exhausted', async () => {
    const c = conf({ ranges: [[{ subnet: '10.2.0.0/24' }], [{ subnet: '10.1.0.0/29', rangeStart: '10.1.0.2', rangeEnd: '10.1.0.3' }]] });
    await funcs.status!(cmd('STATUS', c, ''));
    await funcs.add(cmd('ADD', c, 'a'));
    lease('10.1.0.9', 'outside-the-range');
    await funcs.status!(cmd('STATUS', c, ''));
    await funcs.add(cmd('ADD', c, 'b'));
    const e = await errorOf(funcs.status!(cmd('STATUS', c, '')));
    expect([e.code, e.message]).toEqual([50, 'no IP addresses available in range set 1 (10.1.0.2-10.1.0.3)']);
    await funcs.del(cmd('DEL', c, 'a'));
    await funcs.status!(cmd('STATUS', c, ''));
  });

  it('counts a range holding only its gateway as exhausted', async () => {
    const c = conf({ ranges: [[{ subnet: '10.1.0.0/29', rangeStart: '10.1.0.1', rangeEnd: '10.1.0.1' }]] });
    expect((await errorOf(funcs.status!(cmd('STATUS', c, '')))).code).toBe(50);
  });
});

describe('resolvConf', () => {
  it('parses as dns.go', async () => {
    const text = '# c\n; c2\nnameserver 192.0.2.53 ignored\r\nnameserver\n  nameserver\t2001:db8::53\ndomain a.test\ndomain example.test\nsearch a.example.test  b.example.test\nsearch c\noptions ndots:2 edns0\nbogus x';
    expect(parseResolvConfText(text)).toEqual({
      nameservers: ['192.0.2.53', '2001:db8::53'],
      domain: 'example.test',
      search: ['a.example.test', 'b.example.test', 'c'],
      options: ['ndots:2', 'edns0'],
    });
    expect(parseResolvConfText('')).toEqual({});
    const file = path.join(tmp, 'resolv.conf');
    fs.writeFileSync(file, 'nameserver 192.0.2.3');
    const res = await funcs.add(cmd('ADD', conf({ subnet: '10.1.2.0/24', resolvConf: file, routes: [{ dst: '0.0.0.0/0' }] })));
    expect(res.dns).toEqual({ nameservers: ['192.0.2.3'] });
    expect(res.routes).toEqual([{ dst: '0.0.0.0/0' }]);
    const e = await errorOf(funcs.add(cmd('ADD', conf({ subnet: '10.1.2.0/24', resolvConf: path.join(tmp, 'none') }), 'x')));
    expect(e.message).toBe(`open ${path.join(tmp, 'none')}: no such file or directory`);
  });
});

const reference = '/usr/lib/cni/host-local';
describe.skipIf(!fs.existsSync(reference))('sharing a directory with the reference Go plugin', () => {
  const runRef = (command: string, c: NetConf, containerID: string) => {
    const env = { CNI_COMMAND: command, CNI_CONTAINERID: containerID, CNI_NETNS: '/dev/null', CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' };
    const r = spawnSync(reference, [], { input: JSON.stringify({ ...c, cniVersion: '1.0.0' }), env });
    expect(r.status, r.stdout.toString()).toBe(0);
    return r.stdout.toString();
  };

  it('each side sees, round-robins after and releases the other one’s leases', async () => {
    const c = conf({ ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: 'fd00:10::/64' }]] });
    await funcs.add(cmd('ADD', c, 'ours'));
    const out = JSON.parse(runRef('ADD', c, 'theirs')) as { ips: { address: string }[] };
    expect(out.ips.map((i) => i.address)).toEqual(['10.1.2.3/24', 'fd00:10::3/64']);
    expect((await funcs.add(cmd('ADD', c, 'ours2'))).ips?.map((i) => i.address)).toEqual(['10.1.2.4/24', 'fd00:10::4/64']);
    runRef('CHECK', c, 'ours');
    runRef('DEL', c, 'ours');
    await funcs.del(cmd('DEL', c, 'theirs'));
    expect(files()).toEqual(['10.1.2.4', 'fd00:10::4', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
  });
});
