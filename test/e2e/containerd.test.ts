// A second real runtime: containerd 1.6's `ctr run --cni`, with every plugin from our build.
// ctr (the client, not containerd) runs the CNI plugins through go-cni with
// `gocni.New(gocni.WithDefaultConf)`: no flag or env moves its dirs, so they are the defaults
// /opt/cni/bin and /etc/cni/net.d, and it loads no loopback network of its own (no
// WithLoNetwork) — so our `loopback` is chained after `bridge` in the one conflist it loads.
// containerd runs in a private mount namespace (unshare -m) where /opt, /etc/cni and /run are
// bind mounts of this test's temp dir: our plugins, our conflist, and the /run/containerd that
// containerd 1.6 uses for shim sockets and runc state whatever --state says (it also hides
// a cnits daemon on the default socket, so every exec here runs cnits itself). ctr runs in that
// namespace too (nsenter), under strace: its execve's and exit codes are the proof that the
// plugins ADD and DEL ran from our dir. runc brings lo up by itself in a new netns, so lo being
// UP inside shows the state, and the trace shows that our loopback ran.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ours, tempDir } from './helpers';

const root = resolve(__dirname, '../..');
const BRIDGE = 'cnitsctr0';
const NET = 'cnitsctr';
const IMAGE = 'cnits.test/box:latest';
const has = (cmd: string, ...args: string[]) => spawnSync(cmd, args).status === 0;
const hasContainerd = has('containerd', '--version') && has('ctr', '--version') && has('runc', '--version')
  && has('containerd-shim-runc-v2', '-v') && has('strace', '-V') && has('nsenter', '--version') && has('unshare', '--version');

/** A docker-archive (what `docker save` writes; `ctr images import` reads it) of busybox and the libraries it links. */
function busyboxArchive(w: string): string {
  const fs = join(w, 'rootfs');
  for (const d of ['bin', 'lib/x86_64-linux-gnu', 'lib64']) mkdirSync(join(fs, d), { recursive: true });
  const copy = (from: string, to: string) => cpSync(from, to, { dereference: true }); // ld.so is a symlink
  copy('/bin/busybox', join(fs, 'bin/busybox'));
  for (const a of ['sh', 'ip']) symlinkSync('busybox', join(fs, 'bin', a));
  for (const l of ['libc.so.6', 'libresolv.so.2']) copy(join('/lib/x86_64-linux-gnu', l), join(fs, 'lib/x86_64-linux-gnu', l));
  copy('/lib64/ld-linux-x86-64.so.2', join(fs, 'lib64/ld-linux-x86-64.so.2'));
  const img = join(w, 'img');
  mkdirSync(img);
  execFileSync('tar', ['cf', join(img, 'layer.tar'), '-C', fs, '.']);
  const diffID = createHash('sha256').update(readFileSync(join(img, 'layer.tar'))).digest('hex');
  writeFileSync(join(img, 'config.json'), JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${diffID}`] } }));
  writeFileSync(join(img, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [IMAGE], Layers: ['layer.tar'] }]));
  execFileSync('tar', ['cf', join(w, 'box.tar'), '-C', img, 'manifest.json', 'config.json', 'layer.tar']);
  return join(w, 'box.tar');
}

interface Exec { pid: string; file: string; command: string; exit: number | undefined }

/** The execve's of an `strace -f -q -v -e trace=execve` log, with each process's CNI_COMMAND and exit code. */
function execs(trace: string): Exec[] {
  const list: Exec[] = [];
  const exits = new Map<string, number>();
  for (const line of trace.split('\n')) {
    const e = /^(\d+) +execve\("([^"]+)".*\) = 0$/.exec(line);
    if (e) list.push({ pid: e[1]!, file: e[2]!, command: /"CNI_COMMAND=([A-Z]+)"/.exec(line)?.[1] ?? '', exit: undefined });
    const x = /^(\d+) +\+\+\+ exited with (\d+) \+\+\+$/.exec(line);
    if (x) exits.set(x[1]!, Number(x[2]));
  }
  return list.map((e) => ({ ...e, exit: exits.get(e.pid) }));
}

describe.skipIf(!hasContainerd || process.getuid?.() !== 0)('containerd (`ctr run --cni`) with our plugins (needs root, containerd, runc, strace: installed by .ci/run)', () => {
  let dir: ReturnType<typeof tempDir>;
  let w: string;
  let containerd: ChildProcess | undefined;
  let unusable: string | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_EXTRA_CA_CERTS'];

  /** ctr against our containerd, in its mount namespace; optionally under strace into `trace`. */
  function ctr(args: string[], trace?: string): { status: number | null; out: string } {
    const strace = trace ? ['strace', '-f', '-q', '-v', '-s', '80', '-e', 'trace=execve', '-e', 'signal=none', '-o', trace] : [];
    const r = spawnSync('nsenter', ['-t', String(containerd!.pid), '-m', ...strace, 'ctr', '--address', join(w, 'ctr.sock'), ...args],
      { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }
  function ctrOk(args: string[], trace?: string): string {
    const r = ctr(args, trace);
    if (r.status !== 0) throw new Error(`ctr ${args.join(' ')}: exit ${r.status}\n${r.out}`);
    return r.out;
  }

  beforeAll(async () => {
    dir = tempDir('ctr');
    w = dir.path;
    if (!existsSync('/etc/cni') || !existsSync('/opt')) {
      unusable = 'no /etc/cni or /opt to bind our dirs over (this test creates nothing on the host)';
      return;
    }
    for (const d of ['opt/cni/bin', 'etccni/net.d', 'run', 'root', 'state']) mkdirSync(join(w, d), { recursive: true });
    execFileSync(process.execPath, [join(root, 'build/install.mjs'), '--dir', join(w, 'opt/cni/bin'), '--from', ours]);
    writeFileSync(join(w, 'etccni/net.d', `10-${NET}.conflist`), JSON.stringify({
      // no isGateway, no ipMasq: the bridge is in the machine's own netns (ctr runs the plugins there)
      cniVersion: '1.0.0', name: NET, plugins: [
        { type: 'bridge', bridge: BRIDGE, ipam: { type: 'host-local', dataDir: join(w, 'ipam'), ranges: [[{ subnet: '10.161.0.0/24' }]] } },
        { type: 'loopback' },
      ],
    }));
    writeFileSync(join(w, 'config.toml'), [
      'version = 2', `root = "${join(w, 'root')}"`, `state = "${join(w, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]', '[grpc]', `  address = "${join(w, 'ctr.sock')}"`, '',
    ].join('\n'));
    const archive = busyboxArchive(w);
    const log = openSync(join(w, 'containerd.log'), 'w');
    // unshare execs sh, sh execs containerd: the child's pid is containerd's
    containerd = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
      `mount --bind ${w}/run /run && mount --bind ${w}/opt /opt && mount --bind ${w}/etccni /etc/cni && exec containerd --config ${w}/config.toml`],
    { env, stdio: ['ignore', log, log] });
    for (let i = 0; i < 200 && !existsSync(join(w, 'ctr.sock')) && containerd.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
    if (!existsSync(join(w, 'ctr.sock'))) throw new Error(`containerd did not start:\n${readFileSync(join(w, 'containerd.log'), 'utf8')}`);
    ctrOk(['images', 'import', '--snapshotter', 'native', archive]);
    // ctr itself must be able to run a container here (cgroups, rlimits), CNI aside: not ours to test
    const r = ctr(['run', '--rm', '--snapshotter', 'native', '--runtime', 'io.containerd.runc.v2', IMAGE, `cnitsctr-none-${process.pid}`, 'sh', '-c', 'exit 0']);
    if (r.status !== 0) unusable = r.out.split('\n').filter(Boolean).slice(-2).join(' ');
  }, 120_000);

  afterAll(async () => {
    if (containerd && containerd.exitCode === null) {
      const closed = new Promise((res) => containerd!.once('close', res));
      containerd.kill('SIGTERM');
      const t = setTimeout(() => containerd!.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(t);
    }
    spawnSync('ip', ['link', 'del', BRIDGE]);
    dir?.cleanup();
  }, 30_000);

  it('the plugin dir ctr sees is our install, and has only our build in it', (ctx) => {
    if (unusable) ctx.skip(`containerd cannot run a container on this machine, whatever the network: ${unusable}`);
    const inside = (p: string) => execFileSync('nsenter', ['-t', String(containerd!.pid), '-m', 'stat', '-c', '%d:%i', p], { encoding: 'utf8' }).trim();
    const here = (p: string) => { const s = statSync(p); return `${s.dev}:${s.ino}`; };
    expect(inside('/opt/cni/bin')).toBe(here(join(w, 'opt/cni/bin')));
    expect(inside('/etc/cni/net.d')).toBe(here(join(w, 'etccni/net.d')));
    const bin = readdirSync(join(w, 'opt/cni/bin')).filter((n) => !n.startsWith('.'));
    for (const name of ['bridge', 'host-local', 'loopback']) expect(bin).toContain(name);
    expect(bin.filter((n) => !/^cnits/.test(n)).every((n) => execFileSync('readlink', [join(w, 'opt/cni/bin', n)], { encoding: 'utf8' }).trim() === 'cnits-shim')).toBe(true);
  });

  it('runs a container with lo up and eth0 on our bridge; our loopback and bridge ADD and DEL; nothing left behind', (ctx) => {
    if (unusable) ctx.skip(`containerd cannot run a container on this machine, whatever the network: ${unusable}`);
    const trace = join(w, 'ctr.trace');
    const out = ctrOk(['run', '--rm', '--cni', '--snapshotter', 'native', '--runtime', 'io.containerd.runc.v2', IMAGE, `cnitsctr-${process.pid}`,
      'sh', '-c', 'ip addr show lo; ip -4 addr show eth0'], trace);
    expect(out).toMatch(/^\d+: lo: <LOOPBACK,UP,LOWER_UP>/m);
    expect(out).toMatch(/inet 127\.0\.0\.1\/8 scope host lo/);
    expect(out).toMatch(/inet 10\.161\.0\.\d+\/24 .*scope global eth0/);

    const all = execs(readFileSync(trace, 'utf8'));
    const plugins = all.filter((e) => e.file.startsWith('/opt/cni/bin/') && !e.file.startsWith('/opt/cni/bin/cnits'));
    // go-cni: the chain's ADD in order, its DEL in reverse, each from the plugin dir, each exit 0
    expect(plugins.map((e) => `${e.file} ${e.command} ${e.exit}`)).toEqual([
      '/opt/cni/bin/bridge ADD 0', '/opt/cni/bin/loopback ADD 0', '/opt/cni/bin/loopback DEL 0', '/opt/cni/bin/bridge DEL 0',
    ]);
    // each through our shim to our cnits (no daemon is reachable in that namespace); host-local
    // is bridge's IPAM, run by cnits in-process, so it has no exec of its own: its lease shows it
    expect(all.filter((e) => e.file === '/opt/cni/bin/cnits').map((e) => `${e.command} ${e.exit}`)).toEqual(['ADD 0', 'ADD 0', 'DEL 0', 'DEL 0']);
    expect(readFileSync(join(w, 'ipam', NET, 'last_reserved_ip.0'), 'utf8')).toMatch(/^10\.161\.0\.\d+$/);

    expect(readdirSync(join(w, 'ipam', NET)).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(execFileSync('ip', ['-j', 'link', 'show', 'master', BRIDGE], { encoding: 'utf8' }).trim()).toBe('[]');
  }, 120_000);
});
