// What the podman tests share: a podman 4 (CNI backend) that uses only a plugin dir and a
// conf dir of the test's, and a tiny image made of busybox and the libraries it links.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ours } from './helpers';

export const root = resolve(__dirname, '../..');
export const hasPodman = spawnSync('podman', ['--version']).status === 0 && spawnSync('runc', ['--version']).status === 0;

export type Podman = (env: Record<string, string>, ...args: string[]) => string;

/** Installs our plugins into <w>/bin with build/install.mjs and returns a podman bound to <w>. */
export function podmanIn(w: string): Podman {
  execFileSync(process.execPath, [join(root, 'build/install.mjs'), '--dir', join(w, 'bin'), '--from', ours]);
  mkdirSync(join(w, 'net.d'), { recursive: true });
  writeFileSync(join(w, 'containers.conf'), [
    // this machine's cgroup setup and rlimits suit runc with no default ulimits
    '[containers]', 'default_ulimits = []', '[network]', 'network_backend = "cni"',
    `cni_plugin_dirs = ["${join(w, 'bin')}"]`, `network_config_dir = "${join(w, 'net.d')}"`, '',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF: join(w, 'containers.conf') };
  delete env['NODE_EXTRA_CA_CERTS'];
  return (extra, ...args) => {
    const r = spawnSync('podman', ['--runtime', 'runc', '--root', join(w, 'root'), '--runroot', join(w, 'run'),
      '--cni-config-dir', join(w, 'net.d'), ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`podman ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
}

/** Imports the busybox image as cnitsbox:latest (sh, ip, ping, sleep, httpd; /www/index.html); undefined, or why podman cannot run any container here. */
export function importBusybox(w: string, podman: Podman): string | undefined {
  const fs = join(w, 'rootfs');
  for (const d of ['bin', 'lib/x86_64-linux-gnu', 'lib64', 'www']) mkdirSync(join(fs, d), { recursive: true });
  const copy = (from: string, to: string) => cpSync(from, to, { dereference: true }); // ld.so is a symlink
  copy('/bin/busybox', join(fs, 'bin/busybox'));
  for (const a of ['sh', 'ip', 'ping', 'sleep', 'httpd', 'wget', 'cat']) symlinkSync('busybox', join(fs, 'bin', a));
  for (const l of ['libc.so.6', 'libresolv.so.2']) copy(join('/lib/x86_64-linux-gnu', l), join(fs, 'lib/x86_64-linux-gnu', l));
  copy('/lib64/ld-linux-x86-64.so.2', join(fs, 'lib64/ld-linux-x86-64.so.2'));
  writeFileSync(join(fs, 'www/index.html'), 'hello from cnits\n');
  execFileSync('tar', ['cf', join(w, 'rootfs.tar'), '-C', fs, '.']);
  try {
    podman({}, 'import', join(w, 'rootfs.tar'), 'cnitsbox:latest');
    // podman itself must be able to run a container here (cgroups, rlimits): that is not ours to test
    podman({}, 'run', '--rm', '--network', 'none', 'cnitsbox:latest', 'sh', '-c', 'exit 0');
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n').filter(Boolean).slice(-2).join(' ');
  }
}
