// The case model of the conformance runner: a case is an id, the executables it needs from the
// plugin directory, and an async body that throws to fail (Skip to skip). Each case gets a T:
// its own temp dir, its own scratch namespaces (deleted in finally, whatever happened) and a
// libcni-like Runtime that execs the plugins inside the scratch "host" netns.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';
import { Scratch, type Ns } from './kernel';
import { Runtime, type Exec } from './runtime';

export type Status = 'PASS' | 'FAIL' | 'SKIP';
export interface Verdict {
  id: string;
  status: Status;
  reason: string;
  ms: number;
  /** one line per plugin exec of the case (for --verbose) */
  trace: string[];
}

export interface Case {
  id: string;
  /** executables that must be in the plugin directory (else SKIP) */
  needs: readonly string[];
  run(t: T): Promise<void>;
}

/**
 * A path of this repository (e.g. `conformance/fixtures`), found upward from the running
 * bundle (build/ts-run.mjs puts it in .tmp/) or from the working directory.
 */
export function locate(rel: string): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let d = start; ; d = dirname(d)) {
      if (existsSync(join(d, rel))) return join(d, rel);
      if (dirname(d) === d) break;
    }
  }
  throw new Error(`${rel} not found above ${process.cwd()}`);
}

/** Thrown to end a case as SKIP. */
export class Skip extends Error {}

const show = (v: unknown): string => inspect(v, { depth: 6, breakLength: Infinity, compact: true });

export class T {
  readonly scratch: Scratch;
  private hostNs: Ns | undefined;
  readonly runtimes: Runtime[] = [];

  private daemon: Daemon | undefined;

  /** `daemon`: plugins of `dir` are served by a `cnits daemon` started in the host netns */
  constructor(readonly id: string, readonly dir: string, readonly tmp: string, private readonly useDaemon = false) {
    this.scratch = new Scratch();
  }

  /** The scratch "host" netns every plugin of this case runs in. */
  get host(): Ns {
    this.hostNs ??= this.ns('h');
    return this.hostNs;
  }

  /** A fresh netns `cnitscf-<rand>-<role>`, deleted when the case ends. */
  ns(role: string): Ns {
    return this.scratch.add(role);
  }

  /** A libcni-like runtime over `path` (default: the plugin directory), running plugins in `host`. */
  runtime(path: string[] = [this.dir]): Runtime {
    const cache = join(this.tmp, 'cache');
    mkdirSync(cache, { recursive: true });
    if (this.useDaemon) this.daemon ??= startDaemon(this.dir, this.host, join(this.tmp, 'daemon.sock'));
    const rt = new Runtime({ path, hostNs: this.host.name, cacheDir: cache, daemonSocket: this.daemon?.socket });
    this.runtimes.push(rt);
    return rt;
  }

  /** A sub-directory of the case's temp dir. */
  path(...parts: string[]): string {
    const p = join(this.tmp, ...parts);
    mkdirSync(p, { recursive: true });
    return p;
  }

  skip(reason: string): never { throw new Skip(reason); }
  fail(msg: string): never { throw new Error(msg); }
  ok(cond: unknown, msg: string): void { if (!cond) this.fail(msg); }
  eq(actual: unknown, expected: unknown, what: string): void {
    if (!isDeepStrictEqual(actual, expected)) this.fail(`${what}: got ${show(actual)}, want ${show(expected)}`);
  }

  /** A failed exec carrying a CNI error of `code` (any code when undefined) in the spec's shape. */
  cniError(e: Exec, code: number | undefined, what: string): void {
    this.ok(e.code !== 0, `${what}: exit 0, want an error${code === undefined ? '' : ` (code ${code})`}; stdout ${show(e.stdout)}`);
    const problem = errorShape(e.stdout);
    if (problem) this.fail(`${what}: ${problem}`);
    const got = (e.json as { code: number; msg: string }).code;
    if (code !== undefined && got !== code) this.fail(`${what}: code ${got} (${show((e.json as { msg: string }).msg)}), want ${code}`);
  }

  /** A successful exec; `quiet`: nothing on stdout (CHECK, DEL, GC, STATUS). */
  success(e: Exec, what: string, quiet = false): void {
    if (e.code !== 0) this.fail(`${what}: exit ${e.code}: ${e.stdout.trim() || e.stderr.trim()}`);
    if (quiet && e.stdout.trim() !== '') this.fail(`${what}: printed ${show(e.stdout)}, want nothing`);
  }

  /**
   * Stops the daemon (if any); returns what in its log shows that it did not serve all of
   * the `execs` made of DIR's plugins (a shim that could not connect runs standalone silently).
   */
  async stopDaemon(execs = 0): Promise<string | undefined> {
    const d = this.daemon;
    if (!d) return undefined;
    this.daemon = undefined;
    return d.stop(execs);
  }

  finish(): void {
    this.scratch.destroy();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** What is wrong with an error output (undefined: nothing): one JSON object, `code` + `msg` (+ `details`, `cniVersion`), no stack. */
export function errorShape(stdout: string): string | undefined {
  let v: unknown;
  try { v = JSON.parse(stdout); } catch { return `stdout is not one JSON document: ${show(stdout.slice(0, 200))}`; }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `error is not a JSON object: ${show(v)}`;
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['cniVersion', 'code', 'msg', 'details'].includes(k));
  if (extra.length) return `error has keys beyond code/msg/details/cniVersion: ${extra.join(', ')}`;
  if (!Number.isInteger(o['code'])) return `error code is not an integer: ${show(o['code'])}`;
  if (typeof o['msg'] !== 'string' || o['msg'] === '') return `error msg is not a non-empty string: ${show(o['msg'])}`;
  if (o['details'] !== undefined && typeof o['details'] !== 'string') return `error details is not a string: ${show(o['details'])}`;
  const text = `${String(o['msg'])}\n${String(o['details'] ?? '')}`;
  if (/\n\s+at .+[:(]\d+/.test(text) || /goroutine \d+ \[/.test(text)) return `error carries a stack trace: ${show(text.slice(0, 200))}`;
  return undefined;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim().slice(0, 300);
function trace(t: T): string[] {
  return t.runtimes.flatMap((rt) => rt.log.map((e) =>
    `${e.plugin} ${e.command} (CNI_NETNS=${e.env['CNI_NETNS'] ?? '-'}) → exit ${e.code}${e.stdout.trim() ? `: ${oneLine(e.stdout)}` : ''}${e.stderr.trim() ? ` [stderr: ${oneLine(e.stderr)}]` : ''}`));
}

/** Runs one case with a deadline; never throws. */
export async function runCase(c: Case, dir: string, tmpRoot: string, timeoutMs: number, daemon = false): Promise<Verdict> {
  const started = Date.now();
  // eslint-disable-next-line prefer-const -- assigned after the early SKIP return, and done() reads it
  let t: T | undefined;
  const done = (status: Status, reason: string): Verdict => ({ id: c.id, status, reason, ms: Date.now() - started, trace: t ? trace(t) : [] });
  const missing = c.needs.filter((n) => !existsSync(join(dir, n)));
  if (missing.length) return done('SKIP', `plugin ${missing.join(', ')} not in ${dir}`);
  const tmp = join(tmpRoot, c.id.replace(/[^A-Za-z0-9._-]+/g, '_'));
  mkdirSync(tmp, { recursive: true });
  t = new T(c.id, dir, tmp, daemon);
  const ctx = t;
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const body = c.run(ctx);
    body.catch(() => undefined); // after a timeout the body may still reject: not an unhandled rejection
    await Promise.race([body, deadline]);
    const problem = await t.stopDaemon(t.runtimes.flatMap((rt) => rt.log).filter((e) => dirname(e.file) === dir).length);
    if (problem) return done('FAIL', problem);
    return done('PASS', '');
  } catch (e) {
    if (e instanceof Skip) return done('SKIP', e.message);
    return done('FAIL', e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
    await t.stopDaemon();
    t.finish();
  }
}

interface Daemon { socket: string; stop(execs: number): Promise<string | undefined> }

/**
 * `DIR/cnits daemon` inside `host` (nsenter --net: the mount namespace stays the runner's,
 * as the shims' will). Its log must show every request served: a decline or a worker
 * that died fails the case.
 */
function startDaemon(dir: string, host: Ns, socket: string): Daemon {
  const child = spawn('nsenter', [`--net=${host.path}`, join(dir, 'cnits'), 'daemon', '--socket', socket, '--workers', '2'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
  let log = '';
  child.stderr.on('data', (b: Buffer) => { log += b.toString(); });
  const exited = new Promise<void>((res) => child.once('close', () => res())); // close: stderr drained too
  // the socket exists once the daemon listens: poll it, bounded
  for (let i = 0; i < 100 && !existsSync(socket) && child.exitCode === null; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  return {
    socket,
    async stop(execs) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      const bad = log.split('\n').filter((l) => /declined|exited|failed|already/.test(l));
      if (!log.includes('listening')) return `cnits daemon did not start: ${log.trim()}`;
      if (bad.length) return `cnits daemon: ${bad.join('; ')}`;
      const served = log.split('\n').filter((l) => /: exit \d+ in /.test(l)).length;
      return served < execs ? `cnits daemon served ${served} of ${execs} plugin execs` : undefined;
    },
  };
}
