// The daemon when clients go away or it is stopped: a shim killed before its request was
// complete leaves nothing; one killed while its ADD waits in the queue is cancelled; one killed
// while its ADD runs has that ADD undone (DEL, same env and stdin) before anything else of the
// attachment, so the runtime's DEL can never be overtaken by it. Requests still queued at
// SIGTERM are declined (their shims run standalone), never answered with an error.
// The host-local store's lock, held by the test with flock(1), keeps an ADD running on demand.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeConf, cnits, declined, rawRequest, run, served, shimBuild, startDaemon, until, type Cleanups } from './daemon-helpers';
import { ours, pluginEnv, tempDir, type Outcome } from './helpers';
import { canNetns, cleanupNetns, leftovers, makeNetns, nothingLeft, type Netns } from './netns';

let cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
  cleanupNetns();
});

/** Holds `<dataDir>/<network>/lock` (host-local's store lock) until release(). */
async function holdLock(dataDir: string, network: string) {
  mkdirSync(join(dataDir, network), { recursive: true });
  const file = join(dataDir, network, 'lock');
  writeFileSync(file, '');
  const ino = statSync(file).ino;
  // its own process group: flock's child (sleep) holds the lock too, and must go with it
  const holder = spawn('flock', [file, 'sleep', '60'], { stdio: 'ignore', detached: true });
  const locks = () => readFileSync('/proc/locks', 'utf8').split('\n').filter((l) => l.includes(`:${ino} `));
  let released = false;
  const release = () => { if (!released) { released = true; try { process.kill(-holder.pid!, 'SIGKILL'); } catch { /* gone */ } } };
  cleanups.push(release);
  if (!(await until(() => locks().some((l) => !l.includes('->'))))) throw new Error('flock did not take the lock');
  /** pids of the processes blocked waiting for the lock (a daemon worker inside host-local) */
  const waiterPids = () => locks().filter((l) => l.includes('->')).map((l) => Number(l.trim().split(/\s+/)[5]));
  return { release, waiters: () => waiterPids().length, waiterPids };
}

/** A shim started like run() but left running: killed or awaited by the test. */
function startShim(host: Netns, name: string, env: Record<string, string>, stdin?: string): { child: ChildProcess; done: Promise<Outcome> } {
  const child = spawn('nsenter', [`--net=${host.path}`, join(ours, name)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stdin!.on('error', () => undefined);
  if (stdin !== undefined) child.stdin!.end(stdin);
  const done = new Promise<Outcome>((res) => child.once('close', (code) => {
    let json: unknown;
    try { json = JSON.parse(out); } catch { json = undefined; }
    res({ code, stdout: out, stderr: '', json });
  }));
  cleanups.push(() => { child.kill('SIGKILL'); });
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const plain = (lines: string[]) => lines.map((l) => l.replace(/^\[\d+\] /, '').replace(/ in [\d.]+ ms$/, ''));

describe.skipIf(!canNetns || !existsSync(cnits))('cnits daemon: clients that go away, stopping', () => {
  it('undoes an ADD whose shim was killed while it ran, before the runtime\'s DEL: nothing left', async () => {
    const host = makeNetns('cnitshuh');
    const cont = makeNetns('cnitshuc');
    const data = tempDir('hup-run');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host, cleanups, 2);
    const conf = JSON.stringify(bridgeConf(data.path));
    const env = (command: string) => ({ ...pluginEnv({ command, containerID: 'hup1', netns: cont.path }, ours), CNITS_SOCKET: d.socket });
    const lock = await holdLock(data.path, 'dmn');
    const add = startShim(host, 'bridge', env('ADD'), conf);
    expect(await until(() => lock.waiters() === 1)).toBe(true); // the ADD is in host-local, waiting
    add.child.kill('SIGKILL'); // the runtime's timeout
    await add.done;
    const del = startShim(host, 'bridge', env('DEL'), conf);
    // the DEL waits behind the ADD of its attachment; the other worker is idle, and stays so
    await sleep(500);
    expect(lock.waiters()).toBe(1);
    lock.release();
    const out = await del.done;
    expect([out.code, out.stdout]).toEqual([0, '']);
    await until(() => served(d).length >= 3);
    expect(plain(served(d))).toEqual([
      'bridge ADD hup1 eth0: exit 0', 'bridge DEL hup1 eth0 (undo: client hung up): exit 0', 'bridge DEL hup1 eth0: exit 0']);
    expect(d.log()).toMatch(/undoing bridge ADD hup1 eth0: client hung up/);
    expect(leftovers(host, cont, data.path, 'dmn')).toEqual(nothingLeft);
  });

  it('answers code 11 when the worker running an ADD dies, and undoes that ADD before the next request of the attachment', async () => {
    const host = makeNetns('cnitshuh');
    const cont = makeNetns('cnitshuc');
    const data = tempDir('hup-died');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host, cleanups, 1);
    const conf = JSON.stringify(bridgeConf(data.path));
    const env = (command: string) => ({ ...pluginEnv({ command, containerID: 'died1', netns: cont.path }, ours), CNITS_SOCKET: d.socket });
    const lock = await holdLock(data.path, 'dmn');
    const add = startShim(host, 'bridge', env('ADD'), conf);
    expect(await until(() => lock.waiters() === 1)).toBe(true); // veth made, IPAM waiting
    const [worker] = lock.waiterPids();
    // a child of our daemon, nothing else, gets the signal
    expect(readFileSync(`/proc/${worker}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]).toBe(String(d.pid));
    const del = startShim(host, 'bridge', env('DEL'), conf);
    await sleep(300);
    process.kill(Number(worker), 'SIGKILL');
    const out = await add.done;
    expect([out.code, out.json?.code]).toEqual([1, 11]);
    lock.release();
    expect((await del.done).code).toBe(0);
    await until(() => served(d).length >= 2);
    expect(plain(served(d))).toEqual(['bridge DEL died1 eth0 (undo: its worker died): exit 0', 'bridge DEL died1 eth0: exit 0']);
    expect(leftovers(host, cont, data.path, 'dmn')).toEqual(nothingLeft);
  });

  it('cancels a queued request whose shim was killed, and drops a request cut short: neither runs', async () => {
    const host = makeNetns('cnitshuh');
    const cont = makeNetns('cnitshuc');
    const data = tempDir('hup-queue');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host, cleanups, 1);
    const conf = JSON.stringify(bridgeConf(data.path));
    const env = (command: string, id: string) => ({ ...pluginEnv({ command, containerID: id, netns: cont.path }, ours), CNITS_SOCKET: d.socket });
    const lock = await holdLock(data.path, 'dmn');
    const first = startShim(host, 'host-local', env('ADD', 'q1'), conf);
    expect(await until(() => lock.waiters() === 1)).toBe(true);
    const queued = startShim(host, 'bridge', env('ADD', 'q2'), conf);
    await sleep(500); // connected and queued behind the only worker
    queued.child.kill('SIGKILL');
    await queued.done;
    expect(await until(() => d.log().includes('cancelled bridge ADD q2 eth0: client hung up'))).toBe(true);
    // a shim still reading its stdin (a slow runtime) has not connected: it holds no worker
    const slow = startShim(host, 'bridge', env('ADD', 'q3'));
    slow.child.stdin!.write(conf.slice(0, 10));
    // a request cut short: half of it, then the client is gone
    const half = { build: shimBuild(), plugin: 'bridge', namespaces: '', cwd: '/', env: env('ADD', 'q4'), stdin: Buffer.from(conf) };
    expect(await rawRequest(host, d.socket, half, [], 'half')).toBeUndefined();
    expect(await until(() => d.log().includes('client hung up before its request was complete'))).toBe(true);
    slow.child.kill('SIGKILL');
    await slow.done;
    lock.release();
    expect((await first.done).code).toBe(0);
    await until(() => served(d).length >= 1);
    await sleep(200);
    expect(plain(served(d))).toEqual(['host-local ADD q1 eth0: exit 0']);
    const del = await run(host, 'host-local', { command: 'DEL', containerID: 'q1', netns: cont.path }, conf, { CNITS_SOCKET: d.socket });
    expect(del.code).toBe(0);
    expect(leftovers(host, cont, data.path, 'dmn')).toEqual(nothingLeft);
  });

  it('on SIGTERM declines what is still queued (the shims run standalone and answer right) and finishes what runs', async () => {
    const host = makeNetns('cnitshuh');
    const data = tempDir('hup-term');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host, cleanups, 1);
    const conf = JSON.stringify(bridgeConf(data.path));
    const env = (command: string, id: string) => ({ ...pluginEnv({ command, containerID: id }, ours), CNITS_SOCKET: d.socket });
    const lock = await holdLock(data.path, 'dmn');
    const running = startShim(host, 'host-local', env('ADD', 't1'), conf);
    expect(await until(() => lock.waiters() === 1)).toBe(true);
    const waiting = [
      ...['bridge', 'macvlan', 'ipvlan'].map((p) => startShim(host, p, env('VERSION', '-'), '')),
      startShim(host, 'host-local', env('ADD', 't2'), conf),
    ];
    await sleep(500); // all four connected and queued
    const stopped = d.stop();
    expect(await until(() => declined(d).length >= 4)).toBe(true);
    expect(declined(d).map((l) => l.replace(/^declined (\S+ \S+ \S+) .*: (.*)$/, '$1: $2')).sort()).toEqual([
      'bridge VERSION -: daemon stopping', 'host-local ADD t2: daemon stopping', 'ipvlan VERSION -: daemon stopping', 'macvlan VERSION -: daemon stopping']);
    const versions = await Promise.all(waiting.slice(0, 3).map((w) => w.done));
    for (const v of versions) expect([v.code, v.json?.supportedVersions?.includes('1.0.0')]).toEqual([0, true]);
    lock.release();
    const [a1, a2] = [await running.done, await waiting[3]!.done];
    expect([a1.code, a2.code], a1.stdout + a2.stdout).toEqual([0, 0]);
    expect(new Set([a1.json.ips[0].address, a2.json.ips[0].address]).size).toBe(2);
    expect(await stopped).toBe(0);
    expect(plain(served(d))).toEqual(['host-local ADD t1 eth0: exit 0']);
  });

  it('declines when its queue is full, except a request that must wait for its attachment anyway', async () => {
    const host = makeNetns('cnitshuh');
    const data = tempDir('hup-full');
    cleanups.push(data.cleanup);
    const d = await startDaemon(host, cleanups, 1, ['--queue', '1']);
    const conf = JSON.stringify(bridgeConf(data.path));
    const env = (command: string, id: string) => ({ ...pluginEnv({ command, containerID: id }, ours), CNITS_SOCKET: d.socket });
    const lock = await holdLock(data.path, 'dmn');
    const running = startShim(host, 'host-local', env('ADD', 'f1'), conf);
    expect(await until(() => lock.waiters() === 1)).toBe(true);
    const queued = startShim(host, 'bridge', env('VERSION', '-'), '');
    await sleep(500);
    const full = await run(host, 'ipvlan', { command: 'VERSION' }, '', { CNITS_SOCKET: d.socket });
    expect([full.code, full.json?.supportedVersions?.includes('1.0.0')]).toEqual([0, true]); // standalone
    expect(await until(() => declined(d).length >= 1)).toBe(true);
    expect(declined(d)[0]).toMatch(/^declined ipvlan VERSION ctr1 eth0 from pid \d+: queue full \(1 waiting\)$/);
    // the DEL of the running ADD's attachment is queued anyway: run standalone it would overtake the ADD
    const del = startShim(host, 'host-local', env('DEL', 'f1'), conf);
    await sleep(500);
    lock.release();
    expect([(await running.done).code, (await queued.done).code, (await del.done).code]).toEqual([0, 0, 0]);
    await until(() => served(d).length >= 3);
    expect(plain(served(d))).toEqual(['host-local ADD f1 eth0: exit 0', 'bridge VERSION - eth0: exit 0', 'host-local DEL f1 eth0: exit 0']);
    expect(declined(d)).toHaveLength(1);
    expect(leftovers(host, undefined, data.path, 'dmn')).toEqual(nothingLeft);
  });

  it('passes env names such as constructor and __proto__ to the plugin, and tells delegates to stay standalone', async () => {
    const host = makeNetns('cnitshuh');
    const d = await startDaemon(host, cleanups);
    const dir = tempDir('hup-env');
    cleanups.push(dir.cleanup);
    const dump = join(dir.path, 'cnits-envdump');
    writeFileSync(dump, `#!/bin/sh\nenv > ${join(dir.path, 'env.txt')}\n`);
    chmodSync(dump, 0o755);
    const conf = { cniVersion: '1.0.0', name: 'dmnenv', type: 'bridge', bridge: 'cnitsdm1', ipam: { type: 'cnits-envdump' } };
    const odd = { constructor: 'c1', ['__proto__']: 'p1', toString: 't1', hasOwnProperty: 'h1' };
    const del = await run(host, 'bridge', { command: 'DEL', containerID: 'env1', path: `${dir.path}:${ours}` }, conf, { CNITS_SOCKET: d.socket, ...odd });
    expect([del.code, del.stdout]).toEqual([0, '']);
    await until(() => served(d).length >= 1);
    expect(plain(served(d))).toEqual(['bridge DEL env1 eth0: exit 0']);
    const seen = readFileSync(join(dir.path, 'env.txt'), 'utf8').split('\n');
    expect(seen).toEqual(expect.arrayContaining(['constructor=c1', '__proto__=p1', 'toString=t1', 'hasOwnProperty=h1', 'CNITS_DAEMON=off', 'CNI_COMMAND=DEL']));
  });
});
