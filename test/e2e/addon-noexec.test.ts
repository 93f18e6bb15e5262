// The built executables on a hardened node, where /run, /tmp and /var/tmp are noexec (see
// ./noexec.ts): the addon is dlopen'ed from beside cnits, so bridge+host-local with ipMasq
// and macvlan work as anywhere else; a copy of cnits in a fresh dir writes its addon file
// itself; a read-only one falls back to /run/cnits or a temp dir where those allow exec;
// and where no place allows exec, a plugin prints CNI error JSON (code 999) naming
// every place tried. Netns cnitsnx*-*, bridge cnitsnxbr0. Subnets: 10.171.x.0/24.
import { copyFileSync, existsSync, linkSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type Call } from './helpers';
import {
  addrsOf, canNetns, cleanupNetns, iptablesCni, leaseFiles, leftovers, makeNetns, nothingLeft, nsMust, ping, pingSoon, pluginDir,
  type Json, type Netns,
} from './netns';
import { addonBeside, cniHardened, coveredBuild, type Hardened } from './noexec';

const data = tempDir('nx');
let host: Netns;
const addon = existsSync(pluginDir) ? addonBeside(pluginDir) : undefined;
const addonId = addon?.slice('.cnits-'.length, -'.node'.length);

const run = (name: string, command: string, ctr: Netns, cf: unknown, dir = pluginDir, h: Hardened = {}, c: Partial<Call> = {}) =>
  cniHardened(host, name, { command, netns: ctr.path, containerID: ctr.name, env: { CNITS_DAEMON: 'off' }, ...c },
    cf, dir, { keep: [data.path], ...h });
const withPrev = (cf: object, prevResult: unknown) => ({ ...cf, prevResult });
const ipam = (subnet: string) => ({ ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet }]] } });
/** host-local run as a runtime's IPAM delegate would: the network's config with its ipam */
const hostLocal = (subnet: string) => ({ cniVersion: '1.1.0', name: 'cnitsnx-hl', type: 'bridge', ...ipam(subnet) });

/** cnits, cnits-shim and the host-local link hard-linked (else copied) into a fresh dir beside pluginDir, without the addon file */
function freshBinDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(dirname(pluginDir), 'cnitsnx-bin-'));
  for (const f of ['cnits', 'cnits-shim']) {
    try { linkSync(join(pluginDir, f), join(dir, f)); } catch { copyFileSync(join(pluginDir, f), join(dir, f)); }
  }
  symlinkSync('cnits-shim', join(dir, 'host-local'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe.skipIf(!canNetns || !addon || coveredBuild(pluginDir) !== undefined)('the addon on a node whose /run, /tmp and /var/tmp are noexec', () => {
  beforeEach(() => { host = makeNetns('cnitsnxh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  it('bridge + host-local with ipMasq: ADD, CHECK, DEL; address, ping, iptables rules present and then gone', async () => {
    const ctr = makeNetns('cnitsnxc');
    const cf = { cniVersion: '1.1.0', name: 'cnitsnx-br', type: 'bridge', bridge: 'cnitsnxbr0', isGateway: true, ipMasq: true,
      ipMasqBackend: 'iptables', ...ipam('10.171.0.0/24') };
    const add = await run('bridge', 'ADD', ctr, cf);
    expect([add.code, add.stderr]).toEqual([0, '']);
    expect(add.json.ips.map((i: Json) => i.address)).toEqual(['10.171.0.2/24']);
    expect(addrsOf(ctr, 'eth0')).toEqual(['10.171.0.2/24']);
    expect(addrsOf(host, 'cnitsnxbr0')).toEqual(['10.171.0.1/24']);
    expect(ping(ctr, '10.171.0.1')).toBe(true);
    expect(iptablesCni(host).join('\n')).toMatch(/-A POSTROUTING -s 10\.171\.0\.2\/32 .* -j CNI-[0-9a-f]{24}/);
    expect(leaseFiles(data.path, 'cnitsnx-br')).toEqual(['10.171.0.2']);

    const chk = await run('bridge', 'CHECK', ctr, withPrev(cf, add.json));
    expect([chk.code, chk.stdout, chk.stderr]).toEqual([0, '', '']);
    const del = await run('bridge', 'DEL', ctr, withPrev(cf, add.json));
    expect([del.code, del.stdout, del.stderr]).toEqual([0, '', '']);
    expect(leftovers(host, ctr, data.path, 'cnitsnx-br')).toEqual(nothingLeft);
  });

  it('macvlan + host-local: ADD of two containers that reach each other, DEL of both', async () => {
    nsMust(host, 'ip', 'link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'm1');
    for (const l of ['m0', 'm1']) nsMust(host, 'ip', 'link', 'set', l, 'up');
    const cf = { cniVersion: '1.1.0', name: 'cnitsnx-mv', type: 'macvlan', master: 'm0', ...ipam('10.171.1.0/24') };
    const [a, b] = [makeNetns('cnitsnxc'), makeNetns('cnitsnxc')];
    for (const [ctr, ip] of [[a, '10.171.1.2/24'], [b, '10.171.1.3/24']] as const) {
      const add = await run('macvlan', 'ADD', ctr, cf);
      expect([add.code, add.stderr]).toEqual([0, '']);
      expect(addrsOf(ctr, 'eth0')).toEqual([ip]);
    }
    expect(pingSoon(a, '10.171.1.3')).toBe(true);
    for (const ctr of [a, b]) {
      const del = await run('macvlan', 'DEL', ctr, cf);
      expect([del.code, del.stdout, del.stderr]).toEqual([0, '', '']);
      expect(addrsOf(ctr, 'eth0')).toEqual([]);
    }
    expect(leaseFiles(data.path, 'cnitsnx-mv')).toEqual([]);
  });

  it('a cnits copied into a fresh dir writes its addon file there (0644, atomically) and works', async () => {
    const bin = freshBinDir();
    const ctr = makeNetns('cnitsnxc');
    try {
      expect(addonBeside(bin.dir)).toBeUndefined();
      const add = await run('host-local', 'ADD', ctr, hostLocal('10.171.2.0/24'), bin.dir);
      expect([add.code, add.stderr]).toEqual([0, '']);
      expect(add.json.ips.map((i: Json) => i.address)).toEqual(['10.171.2.2/24']);
      // the same name as the build's: a hash of the addon's bytes; no temp name left behind
      expect(readdirSync(bin.dir).filter((n) => n.startsWith('.'))).toEqual([addon]);
      expect(statSync(join(bin.dir, addon!)).mode & 0o777).toBe(0o644);
      const del = await run('host-local', 'DEL', ctr, hostLocal('10.171.2.0/24'), bin.dir);
      expect([del.code, del.stdout]).toEqual([0, '']);
      expect(leaseFiles(data.path, 'cnitsnx-hl')).toEqual([]);
    } finally {
      bin.cleanup();
    }
  });

  it.each(['/run', '/tmp'])('a read-only bin dir without the addon file falls back to %s when it allows exec', async (exec) => {
    const bin = freshBinDir();
    const ctr = makeNetns('cnitsnxc');
    try {
      const h = { readOnly: [bin.dir], allowExec: [exec] };
      const add = await run('host-local', 'ADD', ctr, hostLocal('10.171.4.0/24'), bin.dir, h);
      expect([add.code, add.stderr]).toEqual([0, '']);
      expect(add.json.ips.map((i: Json) => i.address)).toEqual(['10.171.4.2/24']);
      expect((await run('host-local', 'DEL', ctr, hostLocal('10.171.4.0/24'), bin.dir, h)).code).toBe(0);
      expect(addonBeside(bin.dir)).toBeUndefined();
    } finally {
      bin.cleanup();
    }
  });

  it('where no place allows exec: CNI error JSON, code 999, naming every place tried; VERSION still works', async () => {
    const bin = freshBinDir();
    const ctr = makeNetns('cnitsnxc');
    try {
      const ro = { readOnly: [bin.dir] };
      const add = await run('host-local', 'ADD', ctr, hostLocal('10.171.3.0/24'), bin.dir, ro);
      expect(add.code).toBe(1);
      expect(add.stderr).toBe(''); // no stack trace
      expect(add.json).toEqual({ code: 999, msg: expect.any(String) });
      const msg: string = add.json.msg;
      expect(msg).toContain(`${bin.dir}/.cnits-${addonId}.node: missing, and not written: EROFS: read-only file system`);
      expect(msg).toContain(`/run/cnits/cnits-${addonId}.node: failed to map segment from shared object`);
      expect(msg).toContain('a private dir in /tmp: failed to map segment from shared object');
      expect(msg).toMatch(/^cannot load the cnits addon \(tried .*\); it must sit on a filesystem mounted with exec/);
      expect(addonBeside(bin.dir)).toBeUndefined();
      expect(leaseFiles(data.path, 'cnitsnx-hl')).toEqual([]);

      const version = await run('host-local', 'VERSION', ctr, '', bin.dir, ro);
      expect([version.code, version.json?.cniVersion]).toEqual([0, '1.1.0']);
    } finally {
      bin.cleanup();
    }
  });
});
