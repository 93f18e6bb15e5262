// build/install.mjs puts the addon beside cnits (.cnits-<addonId>.node, 0644, by rename),
// removes the addons of earlier builds and nothing else, and what it installed runs on a
// node whose /run, /tmp and /var/tmp are noexec. Netns cnitsnxi*-*. Subnet 10.171.8.0/24.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ours, tempDir } from './helpers';
import { canNetns, cleanupNetns, leaseFiles, makeNetns, type Json } from './netns';
import { addonBeside, cniHardened, coveredBuild } from './noexec';

const root = resolve(__dirname, '../..');
// the build under test (CNITS_E2E_DIR: dist/bin or dist/sea), installed with --from
const built = ours;
const addon = existsSync(built) ? addonBeside(built) : undefined;
const install = (dir: string) => execFileSync(process.execPath, [join(root, 'build/install.mjs'), '--dir', dir, '--from', built], { encoding: 'utf8' });

describe.skipIf(process.getuid?.() !== 0 || !addon || coveredBuild(built) !== undefined)('install.mjs and the addon', () => {
  afterEach(() => cleanupNetns());

  it('installs the addon beside cnits, replaces only addons of other builds, and the result runs with /run, /tmp and /var/tmp noexec', async () => {
    // beside dist/: a filesystem that allows exec, as a CNI bin dir does
    const dir = mkdtempSync(join(root, 'dist', 'cnitsnx-install-'));
    const data = tempDir('nxi');
    try {
      const old = '.cnits-0123456789abcdef.node';
      const theirs = ['.cnits-notours.node', 'other-plugin'];
      for (const f of [old, ...theirs]) writeFileSync(join(dir, f), 'not an addon');
      expect(install(dir)).toContain(addon);
      expect(install(dir)).toContain(addon); // a reinstall replaces its own file in place

      expect(readdirSync(dir).filter((n) => n.startsWith('.')).sort()).toEqual([addon, '.cnits-notours.node']);
      expect(readdirSync(dir)).toContain('other-plugin');
      expect(readFileSync(join(dir, addon!))).toEqual(readFileSync(join(built, addon!)));
      expect(statSync(join(dir, addon!)).mode & 0o777).toBe(0o644);

      if (!canNetns) return;
      const [host, ctr] = [makeNetns('cnitsnxih'), makeNetns('cnitsnxic')];
      const conf = { cniVersion: '1.1.0', name: 'cnitsnx-inst', type: 'bridge', ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: '10.171.8.0/24' }]] } };
      const call = (command: string) => cniHardened(host, 'host-local', { command, netns: ctr.path, containerID: ctr.name, env: { CNITS_DAEMON: 'off' } },
        conf, dir, { keep: [data.path] });
      const add = await call('ADD');
      expect([add.code, add.stderr]).toEqual([0, '']);
      expect(add.json.ips.map((i: Json) => i.address)).toEqual(['10.171.8.2/24']);
      expect((await call('DEL')).code).toBe(0);
      expect(leaseFiles(data.path, 'cnitsnx-inst')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      data.cleanup();
    }
  });
});
