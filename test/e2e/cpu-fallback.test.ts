// The shim's fallback to cnits-portable where cnits cannot start (a V8 snapshot this CPU
// rejects: exit 14, or SIGILL, or no cnits at all), simulated on the host: a temp plugin
// dir with the real shim, the real cnits-portable and a fake `cnits`. The answers must be
// byte-identical to the shipped dir's, stdin replayed (pipe and file), and when nothing
// starts the shim itself prints CNI error JSON. The real thing (an emulated old CPU
// running the shipped dist/bin) is test/e2e/cpu-fallback.vm.test.ts. Subnet: 10.158.0.0/24.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, openSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exec, ours, pluginEnv, tempDir, type Call, type Outcome } from './helpers';

const runnable = ['cnits-shim', 'cnits-portable'].every((f) => existsSync(join(ours, f)));
const v8Message = 'Failed to load the startup snapshot because it was built with a different version of V8 or with different V8 configurations.\nInvalid snapshot data in single executable binary';

/** fake `cnits` bodies: how a build that cannot start on this CPU ends */
const broken = {
  'exit 14 (snapshot rejected)': `echo x >> "$(dirname "$0")/tries"; echo '${v8Message}' >&2; exit 14`,
  'SIGILL': 'echo x >> "$(dirname "$0")/tries"; kill -ILL $$',
} as const;
type Fake = keyof typeof broken | 'missing';

const dirs: (() => void)[] = [];
afterAll(() => { for (const cleanup of dirs) cleanup(); });
/** the marker a fallback leaves in /run/cnits (named in its stderr note): removed with the dirs */
function markerOf(stderr: string): string | undefined {
  const path = /\(remembered until reboot or reinstall in (\/run\/cnits\/no-snapshot-[^)]+)\)/.exec(stderr)?.[1];
  if (path) dirs.push(() => rmSync(path, { force: true }));
  return path;
}

/** a plugin dir: the real shim (as host-local), cnits-portable (real, or a fake body), a fake cnits */
function pluginDir(fake: Fake, portable?: string): string {
  const d = tempDir('cpufb');
  dirs.push(d.cleanup);
  copyFileSync(join(ours, 'cnits-shim'), join(d.path, 'cnits-shim'));
  chmodSync(join(d.path, 'cnits-shim'), 0o755);
  symlinkSync('cnits-shim', join(d.path, 'host-local'));
  const script = (name: string, body: string) => {
    writeFileSync(join(d.path, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(d.path, name), 0o755);
  };
  if (fake !== 'missing') script('cnits', broken[fake]);
  if (portable === undefined) symlinkSync(join(ours, 'cnits-portable'), join(d.path, 'cnits-portable'));
  else script('cnits-portable', portable);
  return d.path;
}

const data = tempDir('cpufbd');
dirs.push(data.cleanup);
let seq = 0;
/** a host-local config with its own network name, so each run starts from an empty range */
function conf(): { net: string; cf: Record<string, unknown> } {
  const net = `cpufb${seq++}`;
  return { net, cf: { cniVersion: '1.1.0', name: net, type: 'bridge', ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: '10.158.0.0/24' }]] } } };
}
const leases = (net: string) => (existsSync(join(data.path, net)) ? readdirSync(join(data.path, net)).filter((f) => /^\d/.test(f)) : []);

type Stdin = 'pipe' | 'file';
/** host-local from `dir` through the shim, never a daemon; stdin a pipe or a regular file */
async function hostLocal(dir: string, c: Call, cf: unknown, stdin: Stdin): Promise<Outcome> {
  const env = { ...pluginEnv(c, dir), CNITS_DAEMON: 'off' };
  const text = cf === undefined ? '' : JSON.stringify(cf);
  if (stdin === 'pipe') return exec(join(dir, 'host-local'), env, text);
  const file = join(dir, 'stdin.json');
  writeFileSync(file, text);
  const fd = openSync(file, 'r');
  try {
    const r = spawnSync(join(dir, 'host-local'), [], { env, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 50_000 });
    let json: unknown;
    try { json = r.stdout ? JSON.parse(r.stdout) : undefined; } catch { json = undefined; }
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
  } finally {
    closeSync(fd);
  }
}

describe.runIf(runnable)('shim falls back to cnits-portable when cnits cannot start', () => {
  const rows: [Fake, Stdin, RegExp][] = [
    ['exit 14 (snapshot rejected)', 'pipe', /Invalid snapshot data[^]*cnits exited 14 .*running cnits-portable/],
    ['exit 14 (snapshot rejected)', 'file', /cnits exited 14 .*running cnits-portable/],
    ['SIGILL', 'pipe', /cnits died of SIGILL .*running cnits-portable/],
    ['missing', 'pipe', /cannot exec cnits: No such file or directory; running cnits-portable/],
  ];

  it.each(rows)('%s, stdin a %s: VERSION, ADD and DEL answer as the shipped dir does', async (fake, stdin, why) => {
    const dir = pluginDir(fake);
    const version = await hostLocal(dir, { command: 'VERSION' }, undefined, stdin);
    const shipped = await hostLocal(ours, { command: 'VERSION' }, undefined, stdin);
    expect([version.code, version.stdout]).toEqual([0, shipped.stdout]);
    expect(version.stderr).toMatch(why);
    // a snapshot failure is remembered: later execs run cnits-portable without trying cnits
    const marker = markerOf(version.stderr);
    expect(marker !== undefined && existsSync(marker)).toBe(fake !== 'missing');

    // the same ADD on two fresh networks: one through the fallback, one through the shipped dir
    const [a, b] = [conf(), conf()];
    const add = await hostLocal(dir, { command: 'ADD', containerID: 'cpufb-c1' }, a.cf, stdin);
    const want = await hostLocal(ours, { command: 'ADD', containerID: 'cpufb-c1' }, b.cf, stdin);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.stdout).toBe(want.stdout);
    expect(add.json.ips[0].address).toBe('10.158.0.2/24');
    expect(leases(a.net)).toEqual(['10.158.0.2']);

    const del = await hostLocal(dir, { command: 'DEL', containerID: 'cpufb-c1' }, a.cf, stdin);
    expect([del.code, del.stdout]).toEqual([0, '']);
    expect(leases(a.net)).toEqual([]);
    if (fake !== 'missing') {
      expect(readFileSync(join(dir, 'tries'), 'utf8')).toBe('x\n');
      expect([add.stderr, del.stderr]).toEqual(['', '']);
    }
  });

  it('a marker is per installed file: a new cnits (reinstall) is tried again', async () => {
    const dir = pluginDir('exit 14 (snapshot rejected)');
    const first = await hostLocal(dir, { command: 'VERSION' }, undefined, 'pipe');
    expect(markerOf(first.stderr)).toBeDefined();
    // an install renames a new file into place: another inode
    const body = readFileSync(join(dir, 'cnits'));
    writeFileSync(join(dir, 'cnits.new'), body, { mode: 0o755 });
    renameSync(join(dir, 'cnits.new'), join(dir, 'cnits'));
    const second = await hostLocal(dir, { command: 'VERSION' }, undefined, 'pipe');
    expect([second.code, second.stdout]).toEqual([first.code, first.stdout]);
    expect(markerOf(second.stderr)).not.toBe(markerOf(first.stderr));
    expect(readFileSync(join(dir, 'tries'), 'utf8')).toBe('x\nx\n');
  });

  it('does not run the plugin twice: a cnits that ran and failed (exit 1, CNI JSON) is the answer', async () => {
    const dir = pluginDir('missing');
    writeFileSync(join(dir, 'cnits'), '#!/bin/sh\nprintf \'{"code":7,"msg":"from cnits"}\'\nexit 1\n');
    chmodSync(join(dir, 'cnits'), 0o755);
    const { net, cf } = conf();
    const r = await hostLocal(dir, { command: 'ADD' }, cf, 'pipe');
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '{"code":7,"msg":"from cnits"}', '']);
    expect(leases(net)).toEqual([]);
  });

  it.each([
    // the second call finds the first one's marker: cnits-portable is tried first
    ['both exit 14', 'exit 14 (snapshot rejected)', `echo '${v8Message}' >&2; exit 14`, /: cnits(-portable)? exited 14 .*; cnits(-portable)? exited 14 /],
    ['cnits SIGILL, cnits-portable SIGILL', 'SIGILL', 'kill -ILL $$', /: cnits(-portable)? died of SIGILL .*; cnits(-portable)? died of SIGILL /],
  ] as const)('%s: the shim answers with CNI error JSON (999) itself', async (_name, fake, portable, msg) => {
    const dir = pluginDir(fake, portable);
    for (const command of ['VERSION', 'ADD']) {
      const r = await hostLocal(dir, { command }, conf().cf, 'pipe');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      markerOf(r.stderr);
      expect(r.json).toEqual({ code: 999, msg: expect.stringMatching(msg), details: expect.stringContaining(dir) });
    }
  });
});
