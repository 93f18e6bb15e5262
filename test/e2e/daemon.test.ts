// Daemon mode: `cnits daemon` in a scratch host netns, the plugin links (cnits-shim)
// exec'd there with `nsenter --net` (the mount namespace stays ours, as it is the
// daemon's) and CNITS_SOCKET. What a runtime observes must be what the standalone
// executable gives; the daemon's log proves who served each exec.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DECLINE, encodeRequest } from '../../lib/daemon/protocol';
import { bridgeConf, cnits, declined, rawRequest, run, served, shimBuild, startDaemon as start, until, type Cleanups, type Daemon } from './daemon-helpers';
import { ours, pluginEnv, pool, tempDir, type Call } from './helpers';
import { addrsOf, canNetns, cleanupNetns, ipJson, leftovers, linksOfKind, makeNetns, nothingLeft, pingSoon, type Netns } from './netns';

let cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
  cleanupNetns();
});
const startDaemon = (host: Netns, workers = 2): Promise<Daemon> => start(host, cleanups, workers);

describe.skipIf(!canNetns || !existsSync(cnits))('cnits daemon', () => {
  it('serves bridge ADD, CHECK and DEL through the shim: real namespaces, ping, nothing left', async () => {
    const host = makeNetns('cnitsdh');
    const cont = makeNetns('cnitsdc');
    const data = tempDir('dmn-data');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host);
    const env = { CNITS_SOCKET: d.socket };
    const call = { containerID: 'd1', netns: cont.path };
    const conf = bridgeConf(data.path);

    const add = await run(host, 'bridge', { command: 'ADD', ...call }, conf, env);
    expect(add.code, add.stdout).toBe(0);
    expect(add.json.ips).toEqual([{ address: '10.157.0.2/24', gateway: '10.157.0.1', interface: 2 }]);
    expect(addrsOf(cont, 'eth0')).toContain('10.157.0.2/24');
    expect(pingSoon(cont, '10.157.0.1')).toBe(true);
    const check = await run(host, 'bridge', { command: 'CHECK', ...call }, { ...conf, prevResult: add.json }, env);
    expect([check.code, check.stdout]).toEqual([0, '']);
    const del = await run(host, 'bridge', { command: 'DEL', ...call }, conf, env);
    expect([del.code, del.stdout]).toEqual([0, '']);
    expect(leftovers(host, cont, data.path, 'dmn')).toEqual(nothingLeft);
    await until(() => served(d).length >= 3);

    expect(served(d).map((l) => l.replace(/^\[\d+\] /, '').replace(/ in .*/, ''))).toEqual([
      'bridge ADD d1 eth0: exit 0', 'bridge CHECK d1 eth0: exit 0', 'bridge DEL d1 eth0: exit 0']);
    expect(declined(d)).toEqual([]);
  });

  it('answers exactly what the standalone executable answers', async () => {
    const host = makeNetns('cnitsdh');
    const d = await startDaemon(host);
    const conf = bridgeConf('/nonexistent-cnits-dmn');
    const cases: [string, string, Call, unknown][] = [
      ['VERSION', 'bridge', { command: 'VERSION' }, conf],
      ['no CNI_COMMAND: about text', 'macvlan', { command: '', env: { CNI_COMMAND: undefined } }, conf],
      ['malformed JSON', 'bridge', { command: 'ADD' }, '{"cniVersion":'],
      ['unknown version', 'bridge', { command: 'ADD' }, { ...conf, cniVersion: '9.9.9' }],
      ['missing netns', 'bridge', { command: 'ADD', netns: '/var/run/netns/cnits-absent' }, conf],
      ['bad container id', 'host-local', { command: 'ADD', containerID: 'a/b' }, conf],
      ['unknown verb', 'ipvlan', { command: 'FROB' }, conf],
    ];
    for (const [what, name, call, stdin] of cases) {
      const viaDaemon = await run(host, name, call, stdin, { CNITS_SOCKET: d.socket });
      const standalone = await run(host, name, call, stdin, { CNITS_DAEMON: 'off' });
      expect({ what, ...viaDaemon }).toEqual({ what, ...standalone });
    }
    await until(() => served(d).length >= cases.length);
    expect(served(d)).toHaveLength(cases.length);
    expect(declined(d)).toEqual([]);
  });

  it('declines a shim in other namespaces, of another build, or for another plugin; the shim then runs standalone', async () => {
    const host = makeNetns('cnitsdh');
    const d = await startDaemon(host);
    // `ip netns exec` gives the shim a new mount namespace: paths may differ, so no
    const v = await run(host, 'bridge', { command: 'VERSION' }, '', { CNITS_SOCKET: d.socket }, 'ip netns exec');
    expect(v.code).toBe(0);
    expect(v.json.supportedVersions).toContain('1.1.0');
    await until(() => declined(d).length >= 1);
    expect(declined(d)).toHaveLength(1);
    expect(declined(d)[0]).toMatch(/declined bridge VERSION ctr1 eth0 from pid \d+: peer in other namespaces/);
    expect(served(d)).toEqual([]);
    // a declined ADD: the shim replays the stdin it already sent to the daemon
    const data = tempDir('dmn-decl');
    cleanups.push(data.cleanup);
    const add = await run(host, 'host-local', { command: 'ADD', containerID: 'decl' }, bridgeConf(data.path), { CNITS_SOCKET: d.socket }, 'ip netns exec');
    expect([add.code, add.json?.ips]).toEqual([0, [{ address: '10.157.0.2/24', gateway: '10.157.0.1' }]]);
    await until(() => declined(d).length >= 2);

    // a trusted peer (caps, the daemon's namespaces) with a shim of another build, protocol or plugin
    const base = { build: shimBuild(), plugin: 'bridge', namespaces: '', cwd: '/', env: { CNI_COMMAND: 'VERSION' }, stdin: Buffer.alloc(0) };
    expect((await rawRequest(host, d.socket, base))?.status).toBe(0); // this one is served
    for (const req of [{ ...base, build: 'x' }, { ...base, plugin: 'flannel' }, { ...base, version: 7 }]) {
      expect((await rawRequest(host, d.socket, req))?.status).toBe(DECLINE);
    }
    await until(() => declined(d).length >= 5);
    expect(declined(d).slice(2).map((l) => l.replace(/^declined [^:]*: /, ''))).toEqual([
      `shim of build x, daemon of build ${base.build}`, 'unknown plugin "flannel"', 'shim protocol 7, daemon speaks 1']);
  });

  it('replaces a worker that dies; requests keep being served', async () => {
    const host = makeNetns('cnitsdh');
    const d = await startDaemon(host, 2);
    const parentOf = (p: string) => { try { return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]; } catch { return undefined; } };
    const workers = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && parentOf(p) === String(d.pid));
    expect(workers).toHaveLength(2);
    process.kill(Number(workers[0]), 'SIGKILL');
    expect(await until(() => d.log().includes('exited (SIGKILL); starting another'))).toBe(true);
    const outs = await Promise.all(Array.from({ length: 6 }, () => run(host, 'bridge', { command: 'VERSION' }, '', { CNITS_SOCKET: d.socket })));
    expect(outs.map((o) => o.code)).toEqual([0, 0, 0, 0, 0, 0]);
    await until(() => served(d).length >= 6);
    expect(served(d)).toHaveLength(6);
  });

  it('keeps its workers when shims go away before the answer (killed by a runtime timeout)', async () => {
    const host = makeNetns('cnitsdh');
    const d = await startDaemon(host, 2);
    const data = tempDir('dmn-gone');
    cleanups.push(data.cleanup);
    const stdin = Buffer.from(JSON.stringify(bridgeConf(data.path)));
    // raw clients that hang up right after sending: the daemon's answer hits a closed socket
    for (let i = 0; i < 6; i++) {
      const c = connect(d.socket);
      c.on('error', () => undefined);
      c.end(encodeRequest({ build: 'gone', plugin: 'host-local', namespaces: '', cwd: '/', env: { CNI_COMMAND: 'ADD' }, stdin }));
      c.on('finish', () => c.destroy());
    }
    // real shims killed while the daemon works on their host-local ADD
    const shims = Array.from({ length: 4 }, (_, i) => spawn('nsenter', [`--net=${host.path}`, join(ours, 'host-local')],
      { env: { ...pluginEnv({ command: 'ADD', containerID: `gone${i}` }, ours), CNITS_SOCKET: d.socket }, stdio: ['pipe', 'ignore', 'ignore'] }));
    for (const sh of shims) { sh.stdin!.end(stdin); setTimeout(() => sh.kill('SIGKILL'), 3); }
    await Promise.all(shims.map((sh) => new Promise((res) => sh.once('close', res))));
    const outs = await Promise.all(Array.from({ length: 4 }, () => run(host, 'bridge', { command: 'VERSION' }, '', { CNITS_SOCKET: d.socket })));
    expect(outs.map((o) => o.code)).toEqual([0, 0, 0, 0]);
    await until(() => served(d).filter((l) => l.includes('VERSION')).length >= 4);
    expect(served(d).filter((l) => l.includes('VERSION'))).toHaveLength(4);
    // a shim killed before it sent everything is logged as such; nothing else may go wrong
    const bad = d.log().split('\n').filter((l) => /exited|uncaught|Error|failed/.test(l));
    expect(bad).toEqual([]);
  });

  it('serves 20 parallel ADDs with ipMasq and 2 workers: 20 distinct addresses, leases and rules; then 20 DELs leave nothing', async () => {
    const host = makeNetns('cnitsdh');
    const conts = Array.from({ length: 20 }, () => makeNetns('cnitsdp'));
    const data = tempDir('dmn-par');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host, 2);
    const env = { CNITS_SOCKET: d.socket };
    const conf = bridgeConf(data.path);
    const adds = await pool(8, conts.map((c, i) => () => run(host, 'bridge', { command: 'ADD', containerID: `p${i}`, netns: c.path }, conf, env)));
    expect(adds.filter((a) => a.code !== 0).map((a) => a.stdout + a.stderr)).toEqual([]);
    const ips = adds.map((a) => a.json.ips[0].address);
    expect(new Set(ips).size).toBe(20);
    expect(readdirSync(join(data.path, 'dmn')).filter((f) => f.startsWith('10.'))).toHaveLength(20);
    expect(linksOfKind(host, 'veth')).toHaveLength(20);
    expect(leftovers(host, undefined, data.path, 'dmn').iptables.filter((r) => r.startsWith('-A POSTROUTING'))).toHaveLength(20);
    const dels = await pool(8, conts.map((c, i) => () => run(host, 'bridge', { command: 'DEL', containerID: `p${i}`, netns: c.path }, conf, env)));
    expect(dels.filter((x) => x.code !== 0).map((x) => x.stdout + x.stderr)).toEqual([]);
    expect(leftovers(host, undefined, data.path, 'dmn')).toEqual(nothingLeft);
    await until(() => served(d).length >= 40);
    expect(served(d)).toHaveLength(40);
  });

  it('on SIGTERM removes its socket and exits 0; shims then run standalone', async () => {
    const host = makeNetns('cnitsdh');
    const d = await startDaemon(host);
    const second = spawn('nsenter', [`--net=${host.path}`, cnits, 'daemon', '--socket', d.socket], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    second.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const code2 = await new Promise((res) => second.once('close', res));
    expect([code2, err.trim()]).toEqual([1, `another daemon already listens on ${d.socket}`]);

    // a socket dir others may write to (where another user could plant a socket) is refused
    const open = tempDir('dmn-open');
    cleanups.push(open.cleanup);
    chmodSync(open.path, 0o1777);
    const third = spawnSync(cnits, ['daemon', '--socket', join(open.path, 'd.sock')], { encoding: 'utf8', timeout: 10_000 });
    expect([third.status, third.stderr.trim()]).toEqual([1, `refusing ${open.path}: it must be owned by uid 0 and writable by nobody else`]);

    expect(await d.stop()).toBe(0);
    expect(existsSync(d.socket)).toBe(false);
    const v = await run(host, 'bridge', { command: 'VERSION' }, '', { CNITS_SOCKET: d.socket });
    expect(v.code).toBe(0);
    expect(served(d)).toEqual([]);
    expect(ipJson(host, 'link', 'show').length).toBe(1); // lo: the daemon made nothing
  });
});
