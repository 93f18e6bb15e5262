// Shared by the daemon suites: a `cnits daemon` in a scratch host netns, plugin links
// (cnits-shim) exec'd there with `nsenter --net` (the mount namespace stays ours, as it is
// the daemon's), raw protocol clients run as separate processes (so the daemon judges
// them, not the test runner), and the daemon's log lines that prove who served what.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRequest, parseResponse, type Response } from '../../lib/daemon/protocol';
import { exec, ours, pluginEnv, tempDir, type Call, type Outcome } from './helpers';
import { inNetns, type Netns } from './netns';

export const cnits = join(ours, 'cnits');
export type Cleanups = (() => void | Promise<void>)[];

/** Polls `probe` every 50 ms (the event loop keeps running), at most `ms`. */
export async function until(probe: () => boolean, ms = 5000): Promise<boolean> {
  for (let i = 0; i < ms / 50 && !probe(); i++) await new Promise((r) => setTimeout(r, 50));
  return probe();
}

export interface Daemon { pid: number; socket: string; log: () => string; stop: () => Promise<number | null> }

/** Starts `cnits daemon` inside `host`; resolves once it listens. Stopped by `cleanups`. */
export async function startDaemon(host: Netns, cleanups: Cleanups, workers = 2, extra: string[] = []): Promise<Daemon> {
  const dir = tempDir('daemon');
  const socket = join(dir.path, 'd.sock');
  const child: ChildProcess = spawn('nsenter', [`--net=${host.path}`, cnits, 'daemon', '--socket', socket, '--workers', String(workers), ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] } });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
  const closed = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
  let stopped = false;
  const stop = async () => { if (!stopped) { stopped = true; child.kill('SIGTERM'); } return closed; };
  cleanups.push(async () => { await stop(); dir.cleanup(); });
  await until(() => log.includes('listening') || child.exitCode !== null);
  if (!log.includes('listening')) throw new Error(`daemon did not start: ${log}`);
  return { pid: child.pid!, socket, log: () => log, stop };
}

/** Runs plugin link `name` inside `host` the way a runtime there would, with `env` added; `wrap` goes between nsenter and the plugin. */
export function run(host: Netns, name: string, c: Call, conf: unknown, env: Record<string, string> = {}, how: 'nsenter' | 'ip netns exec' = 'nsenter', wrap: string[] = []): Promise<Outcome> {
  const stdin = typeof conf === 'string' ? conf : JSON.stringify(conf);
  const all = { ...pluginEnv(c, ours), ...env };
  return how === 'nsenter' ? exec('nsenter', all, stdin, [`--net=${host.path}`, ...wrap, join(ours, name)]) : inNetns(host, join(ours, name), all, stdin);
}

/** setpriv arguments that leave a root process without any capability, now or after exec. */
export const noCaps = ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--'];

const rawClient = join(__dirname, 'daemon-raw-client.mjs');

/**
 * Sends one request from a separate node process run as `nsenter --net=<host> ...wrap node`, and
 * returns the daemon's answer (undefined when the connection closed without one). 'half': sends
 * half the request and exits, as a shim killed mid-request.
 */
export async function rawRequest(host: Netns, socket: string, req: Parameters<typeof encodeRequest>[0], wrap: string[] = [], mode: 'whole' | 'half' = 'whole'): Promise<Response | undefined> {
  const dir = tempDir('raw');
  try {
    const file = join(dir.path, 'req');
    writeFileSync(file, encodeRequest(req));
    const out = await exec('nsenter', { PATH: process.env['PATH'] ?? '' }, '', [`--net=${host.path}`, ...wrap, process.execPath, rawClient, socket, file, mode]);
    return parseResponse(Buffer.from(out.stdout.trim(), 'hex'));
  } finally {
    dir.cleanup();
  }
}

/** The build id compiled into the shim: what a shim of this build sends. */
export function shimBuild(): string {
  const m = /\d+\.\d+\.\d+-[0-9a-f]{12}/.exec(readFileSync(join(ours, 'cnits-shim'), 'latin1'));
  if (!m) throw new Error('no build id in cnits-shim');
  return m[0];
}

/** A process's namespaces, written as the shim writes its own. */
export function namespacesOf(pid: number): string {
  return ['net', 'mnt', 'user'].map((k) => { const s = statSync(`/proc/${pid}/ns/${k}`); return `${k}:${s.dev}:${s.ino}`; }).join(' ');
}

// the daemon logs before it answers, but its log reaches us through another pipe than
// the shim's answer: wait for a count with until() before comparing lines
export const served = (d: Daemon) => d.log().split('\n').filter((l) => /: exit \d+ in /.test(l));
export const declined = (d: Daemon) => d.log().split('\n').filter((l) => l.includes('declined'));

export function bridgeConf(dataDir: string, extra: Record<string, unknown> = {}) {
  return { cniVersion: '1.0.0', name: 'dmn', type: 'bridge', bridge: 'cnitsdm0', isGateway: true, ipMasq: true,
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.157.0.0/24' }]] }, ...extra };
}
