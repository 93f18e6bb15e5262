// The node image and the DaemonSet's install step, run as kubelet would run it: the init
// container's command and args from build/kubernetes/cnits.yaml, its hostPath volume bound
// from a scratch "host root", /run and /tmp as noexec tmpfs, no network, the image's own
// root (extracted from the archive `npm run image` writes). No container runtime can start
// a container on this machine (podman fails setting rlimits), so the test is the runtime:
// unshare + chroot, the same mounts a runtime makes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { exec, tempDir } from './helpers';

const root = resolve(__dirname, '../..');
const isRoot = process.getuid?.() === 0;
const podmanBuilds = (() => {
  if (!isRoot || spawnSync('podman', ['--version']).status !== 0) return false;
  return existsSync(join(root, 'dist/bin/cnits'));
})();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Kubernetes object, read by shape
type K8s = any;
const manifest: K8s[] = parseAllDocuments(readFileSync(join(root, 'build/kubernetes/cnits.yaml'), 'utf8')).map((d) => d.toJS()).filter(Boolean);
const daemonSet = manifest.find((o) => o.kind === 'DaemonSet');
const pod = daemonSet.spec.template.spec;
const init = pod.initContainers[0];

describe.skipIf(!podmanBuilds)('node image: the DaemonSet install step on a scratch host root', () => {
  const work = tempDir('image');
  const rootfs = join(work.path, 'rootfs');
  const host = join(work.path, 'host');
  let size = 0;

  beforeAll(async () => {
    // @ts-expect-error plain ESM build script without types
    const { buildImage } = await import('../../build/image.mjs');
    const archive = join(work.path, 'image.tar');
    const r = buildImage({ tag: `localhost/cnits-test:${process.pid}`, out: archive });
    size = r.bytes;
    execFileSync('podman', ['rmi', '-f', r.tag], { stdio: 'ignore' });
    // a docker-archive: manifest.json names the layers, applied in order
    const x = join(work.path, 'archive');
    mkdirSync(x);
    execFileSync('tar', ['-xf', archive, '-C', x]);
    const [m] = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    mkdirSync(rootfs);
    for (const layer of m!.Layers) execFileSync('tar', ['-xf', join(x, layer), '-C', rootfs]);
  }, 300_000);
  afterAll(() => work.cleanup());

  it('installs every plugin into the host /opt/cni/bin with /run and /tmp noexec and no network; another plugin there stays', async () => {
    expect(size).toBeGreaterThan(0);
    const bin = join(host, 'opt/cni/bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'other-plugin'), '#!/bin/sh\necho other\n', { mode: 0o755 });
    const before = statSync(join(bin, 'other-plugin'));

    // the mounts a runtime makes for this container, from the manifest
    const volumes = new Map<string, K8s>(pod.volumes.map((v: K8s) => [v.name, v]));
    const binds = init.volumeMounts.map((m: K8s) => {
      const hostPath = volumes.get(m.name)?.hostPath?.path as string;
      return `mkdir -p "$R${m.mountPath}" && mount --bind "${join(host, hostPath)}" "$R${m.mountPath}"`;
    });
    const script = [
      'set -e', `R=${rootfs}`, 'mount --make-rprivate /',
      'mkdir -p "$R/run" "$R/tmp" "$R/proc" "$R/dev"',
      'mount -t tmpfs -o noexec,nosuid,nodev tmpfs "$R/run"', 'mount -t tmpfs -o noexec,nosuid,nodev tmpfs "$R/tmp"',
      'mount -t proc proc "$R/proc"',
      'for d in null zero random urandom; do touch "$R/dev/$d"; mount --bind /dev/$d "$R/dev/$d"; done',
      ...binds,
      `exec chroot "$R" ${[...init.command, ...init.args].map((a: string) => `'${a}'`).join(' ')}`,
    ].join('\n');
    const r = spawnSync('unshare', ['--mount', '--net', '--pid', '--fork', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);

    for (const name of ['bridge', 'host-local', 'macvlan', 'ipvlan']) {
      expect(readlinkSync(join(bin, name))).toBe('cnits-shim');
    }
    for (const name of ['cnits', 'cnits-shim']) expect(lstatSync(join(bin, name)).isFile()).toBe(true);
    const after = statSync(join(bin, 'other-plugin'));
    expect([after.ino, after.mtimeMs, readFileSync(join(bin, 'other-plugin'), 'utf8')]).toEqual([before.ino, before.mtimeMs, '#!/bin/sh\necho other\n']);

    // the installed plugins work on this host: VERSION, and a host-local ADD and DEL
    const data = join(work.path, 'data');
    const env = (command: string) => ({ CNI_COMMAND: command, CNI_CONTAINERID: 'img1', CNI_IFNAME: 'eth0', CNI_NETNS: '/proc/self/ns/net', CNI_PATH: bin, CNITS_DAEMON: 'off', PATH: process.env['PATH'] ?? '' });
    for (const name of ['bridge', 'host-local', 'macvlan', 'ipvlan']) {
      const v = await exec(join(bin, name), env('VERSION'), '');
      expect(v.json?.supportedVersions, v.stderr).toContain('1.1.0');
    }
    const conf = JSON.stringify({ cniVersion: '1.1.0', name: 'imgnet', ipam: { type: 'host-local', dataDir: data, ranges: [[{ subnet: '10.157.0.0/24' }]] } });
    const add = await exec(join(bin, 'host-local'), { ...env('ADD'), CNI_NETNS_OVERRIDE: '1' }, conf);
    expect(add.json?.ips?.[0]?.address, add.stdout + add.stderr).toBe('10.157.0.2/24');
    expect(existsSync(join(data, 'imgnet', '10.157.0.2'))).toBe(true);
    const del = await exec(join(bin, 'host-local'), { ...env('DEL'), CNI_NETNS_OVERRIDE: '1' }, conf);
    expect(del.code, del.stdout).toBe(0);
    expect(existsSync(join(data, 'imgnet', '10.157.0.2'))).toBe(false);
  }, 120_000);
});
