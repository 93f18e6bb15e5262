// A real runtime: podman 4's CNI backend runs our bridge + host-local from a plugin dir
// installed by build/install.mjs. Two containers on one network reach each other;
// stopping them leaves no lease and no masquerade rule. podman works in the
// machine's own netns, so the bridge gets a unique name and is deleted afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOCKET } from '../../lib/daemon/protocol';
import { alive } from '../../lib/daemon/server';
import { ours, tempDir } from './helpers';

const root = resolve(__dirname, '../..');
const hasPodman = spawnSync('podman', ['--version']).status === 0 && spawnSync('runc', ['--version']).status === 0;
const BRIDGE = 'cnitspod0';
const NET = 'cnitspod';

describe.skipIf(!hasPodman || process.getuid?.() !== 0)('podman (CNI backend) with our plugins (needs root, podman and runc: installed by .ci/run)', () => {
  let dir: ReturnType<typeof tempDir>;
  let podman: (env: Record<string, string>, ...args: string[]) => string;
  let unusable: string | undefined;
  beforeAll(() => {
    dir = tempDir('podman');
    const w = dir.path;
    execFileSync(process.execPath, [join(root, 'build/install.mjs'), '--dir', join(w, 'bin'), '--from', ours]);
    mkdirSync(join(w, 'net.d'));
    writeFileSync(join(w, 'containers.conf'), [
      // this machine's cgroup setup and rlimits suit runc with no default ulimits
      '[containers]', 'default_ulimits = []', '[network]', 'network_backend = "cni"',
      `cni_plugin_dirs = ["${join(w, 'bin')}"]`, `network_config_dir = "${join(w, 'net.d')}"`, '',
    ].join('\n'));
    writeFileSync(join(w, 'net.d', `${NET}.conflist`), JSON.stringify({
      // no isGateway: it would turn on forwarding in the netns podman runs it in, the machine's own
      cniVersion: '1.0.0', name: NET, plugins: [{ type: 'bridge', bridge: BRIDGE, ipMasq: true,
        ipam: { type: 'host-local', dataDir: join(w, 'ipam'), routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.157.0.0/24' }]] } }],
    }));
    // a minimal image: busybox and the libraries it links
    const fs = join(w, 'rootfs');
    for (const d of ['bin', 'lib/x86_64-linux-gnu', 'lib64']) mkdirSync(join(fs, d), { recursive: true });
    const copy = (from: string, to: string) => cpSync(from, to, { dereference: true }); // ld.so is a symlink
    copy('/bin/busybox', join(fs, 'bin/busybox'));
    for (const a of ['sh', 'ip', 'ping', 'sleep']) symlinkSync('busybox', join(fs, 'bin', a));
    for (const l of ['libc.so.6', 'libresolv.so.2']) copy(join('/lib/x86_64-linux-gnu', l), join(fs, 'lib/x86_64-linux-gnu', l));
    copy('/lib64/ld-linux-x86-64.so.2', join(fs, 'lib64/ld-linux-x86-64.so.2'));
    execFileSync('tar', ['cf', join(w, 'rootfs.tar'), '-C', fs, '.']);
    const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF: join(w, 'containers.conf') };
    delete env['NODE_EXTRA_CA_CERTS'];
    podman = (extra, ...args) => {
      const r = spawnSync('podman', ['--runtime', 'runc', '--root', join(w, 'root'), '--runroot', join(w, 'run'),
        '--cni-config-dir', join(w, 'net.d'), ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`podman ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    try {
      podman({}, 'import', join(w, 'rootfs.tar'), 'cnitsbox:latest');
      // podman itself must be able to run a container here (cgroups, rlimits): that is not ours to test
      podman({}, 'run', '--rm', '--network', 'none', 'cnitsbox:latest', 'sh', '-c', 'exit 0');
    } catch (err) {
      unusable = (err as Error).message.split('\n').filter(Boolean).slice(-2).join(' ');
    }
  }, 120_000);

  afterAll(() => {
    try { podman?.({}, 'rm', '-f', '-a', '-t', '0'); } catch { /* nothing running */ }
    spawnSync('ip', ['link', 'del', BRIDGE]);
    dir?.cleanup();
  });

  /** Two containers on NET reach each other; removing them leaves no rule, lease or port. */
  function twoContainers(env: Record<string, string> = {}): void {
    podman(env, 'run', '-d', '--name', 'cnitsa', '--network', NET, 'cnitsbox:latest', 'sleep', '60');
    const a = podman(env, 'inspect', 'cnitsa', '--format', `{{.NetworkSettings.Networks.${NET}.IPAddress}}`).trim();
    expect(a).toMatch(/^10\.157\.0\.\d+$/);
    const out = podman(env, 'run', '--rm', '--network', NET, 'cnitsbox:latest', 'sh', '-c',
      `ip -4 addr show eth0; ping -c 1 -W 2 ${a}`);
    expect(out).toMatch(/inet 10\.157\.0\.\d+\/24/);
    expect(out).toContain('1 packets received');
    expect(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })).toContain(`name: \\"${NET}\\" id: `);
    podman(env, 'rm', '-f', '-t', '0', 'cnitsa');
    expect(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })).not.toContain(`name: \\"${NET}\\"`);
    expect(readdirSync(join(dir.path, 'ipam', NET)).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(execFileSync('ip', ['-j', 'link', 'show', 'master', BRIDGE], { encoding: 'utf8' }).trim()).toBe('[]');
  }

  it('runs two containers that reach each other, and leaves nothing behind', (ctx) => {
    if (unusable) ctx.skip(`podman cannot run a container on this machine, whatever the network: ${unusable}`);
    twoContainers();
  }, 120_000);

  // The default socket, as on a node: podman's cleanup (`podman container cleanup`, started
  // by conmon) does not get podman's env, so only the default path reaches its DEL.
  it('does the same with cnits daemon on its default socket serving every exec', async (ctx) => {
    if (unusable) ctx.skip(`podman cannot run a container on this machine, whatever the network: ${unusable}`);
    const socket = DEFAULT_SOCKET;
    if (await alive(socket)) {
      ctx.skip(`a cnits daemon already listens on ${socket} on this machine: not ours to stop`);
    }
    const daemon = spawn(join(dir.path, 'bin', 'cnits'), ['daemon'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    daemon.stderr.on('data', (b: Buffer) => { log += b.toString(); });
    const closed = new Promise((res) => daemon.once('close', res));
    try {
      for (let i = 0; i < 100 && !log.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(log).toContain('listening');
      twoContainers();
    } finally {
      daemon.kill('SIGTERM');
      await closed;
    }
    const lines = log.split('\n').map((l) => l.replace(/^\[\d+\] /, '').replace(/ [0-9a-f]{64} /, ' <id> ').replace(/ in .*/, ''));
    expect(lines.filter((l) => l.includes('declined'))).toEqual([]);
    expect(existsSync(socket)).toBe(false); // removed on SIGTERM
    // two containers: each one ADD and one DEL (podman may add CHECKs or a second DEL)
    expect(lines.filter((l) => l === 'bridge ADD <id> eth0: exit 0')).toHaveLength(2);
    expect(lines.filter((l) => l === 'bridge DEL <id> eth0: exit 0').length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
