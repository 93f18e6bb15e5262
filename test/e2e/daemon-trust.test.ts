// Whom the daemon serves: only a peer that could do the work itself, judged from the kernel
// (SO_PEERCRED, /proc/<pid>: capabilities, user/net/mnt namespaces, root), never from what
// the request says. A refused peer's shim runs the standalone executable, which then fails
// or succeeds exactly as it would with no daemon at all.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DECLINE, encodeRequest, parseResponse } from '../../lib/daemon/protocol';
import { bridgeConf, cnits, declined, namespacesOf, noCaps, rawRequest, run, served, shimBuild, startDaemon, until, type Cleanups } from './daemon-helpers';
import { exec, ours, pluginEnv, tempDir } from './helpers';
import { canNetns, cleanupNetns, leftovers, linksOfKind, makeNetns, nothingLeft } from './netns';

const hasPython = spawnSync('python3', ['-c', '0']).status === 0;
let cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
  cleanupNetns();
});

describe.skipIf(!canNetns || !existsSync(cnits))('cnits daemon: whom it serves', () => {
  it('refuses a root process without capabilities: nothing is created, the standalone fallback fails with EPERM', async () => {
    const host = makeNetns('cnitstrh');
    const cont = makeNetns('cnitstrc');
    const data = tempDir('trust-caps');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host, cleanups);
    const call = { command: 'ADD', containerID: 'nocaps', netns: cont.path };
    const add = await run(host, 'bridge', call, bridgeConf(data.path), { CNITS_SOCKET: d.socket }, 'nsenter', noCaps);
    expect(add.code).toBe(1);
    expect(add.json?.msg, add.stdout).toMatch(/EPERM|not permitted/i);
    await until(() => declined(d).length >= 1);
    expect(declined(d)).toHaveLength(1);
    expect(declined(d)[0]).toMatch(/^declined bridge ADD nocaps eth0 from pid \d+: peer lacks CAP_NET_ADMIN and CAP_SYS_ADMIN$/);
    expect(served(d)).toEqual([]);
    expect(linksOfKind(host, 'bridge')).toEqual([]);
    expect(leftovers(host, cont, data.path, 'dmn')).toEqual(nothingLeft);
  });

  it('refuses a client that sends the daemon\'s own namespaces and build id from another mount namespace', async () => {
    const host = makeNetns('cnitstrh');
    const cont = makeNetns('cnitstrc');
    const data = tempDir('trust-spoof');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host, cleanups);
    // everything a genuine shim next to the daemon would send
    const env = { ...pluginEnv({ command: 'ADD', containerID: 'spoof', netns: cont.path }, ours) };
    const req = { build: shimBuild(), plugin: 'bridge', namespaces: namespacesOf(d.pid), cwd: '/', env, stdin: Buffer.from(JSON.stringify(bridgeConf(data.path))) };
    // without capabilities, in a mount namespace of its own
    const nocaps = await rawRequest(host, d.socket, req, ['unshare', '--mount', '--propagation', 'private', ...noCaps]);
    // with every capability, still in another mount namespace: its paths may not be ours
    const otherMnt = await rawRequest(host, d.socket, req, ['unshare', '--mount', '--propagation', 'private']);
    expect([nocaps?.status, otherMnt?.status]).toEqual([DECLINE, DECLINE]);
    await until(() => declined(d).length >= 2);
    expect(declined(d).map((l) => l.replace(/ from pid \d+/, '').replace(/ \(net:.*/, ''))).toEqual([
      'declined bridge ADD spoof eth0: peer lacks CAP_NET_ADMIN and CAP_SYS_ADMIN',
      'declined bridge ADD spoof eth0: peer in other namespaces']);
    expect(served(d)).toEqual([]);
    expect(linksOfKind(host, 'bridge')).toEqual([]);
    expect(leftovers(host, cont, data.path, 'dmn')).toEqual(nothingLeft);

    // the same bytes from a peer that could do the work itself are served: the refusals were about the peer
    const ok = await rawRequest(host, d.socket, req);
    expect(ok?.status, ok?.stdout).toBe(0);
    expect(JSON.parse(ok!.stdout).ips[0].address).toBe('10.157.0.2/24');
    const del = await run(host, 'bridge', { command: 'DEL', containerID: 'spoof', netns: cont.path }, bridgeConf(data.path), { CNITS_SOCKET: d.socket });
    expect(del.code, del.stdout).toBe(0);
    expect(leftovers(host, cont, data.path, 'dmn')).toEqual(nothingLeft);
  });

  // python, because it can chroot itself after start-up: nothing needs to exist in the new root but the socket
  const chrootClient = [
    'import os, socket, sys',
    'sock_dir, sock_name, req = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()',
    'os.chroot(sock_dir); os.chdir("/")',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect("/" + sock_name); s.sendall(req)',
    'out = b""',
    'while True:',
    '    b = s.recv(65536)',
    '    if not b: break',
    '    out += b',
    'sys.stdout.write(out.hex())',
  ].join('\n');

  it.skipIf(!hasPython)('refuses a chrooted peer (another root directory), even with every capability and the same namespaces', async () => {
    const host = makeNetns('cnitstrh');
    const d = await startDaemon(host, cleanups);
    const req = { build: shimBuild(), plugin: 'bridge', namespaces: namespacesOf(d.pid), cwd: '/', env: { CNI_COMMAND: 'VERSION' }, stdin: Buffer.alloc(0) };
    const dir = tempDir('trust-root');
    cleanups.push(dir.cleanup);
    writeFileSync(join(dir.path, 'req'), encodeRequest(req));
    const out = await exec('nsenter', { PATH: process.env['PATH'] ?? '' }, '', [`--net=${host.path}`, 'python3', '-c', chrootClient, dirname(d.socket), basename(d.socket), join(dir.path, 'req')]);
    expect(parseResponse(Buffer.from(out.stdout, 'hex'))?.status, out.stderr).toBe(DECLINE);
    await until(() => declined(d).length >= 1);
    expect(declined(d)).toHaveLength(1);
    expect(declined(d)[0]).toMatch(/^declined bridge VERSION - - from pid \d+: peer has another root directory$/);
    expect(served(d)).toEqual([]);
  });
});
