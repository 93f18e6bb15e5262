// Runs plugin executables the way a runtime does: CNI_* env, config on stdin.
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// CNITS_E2E_DIR runs the suites against another build: dist/portable in the VM (its
// emulated CPU cannot load the host-built V8 snapshot), or a reference dir.
export const ours = process.env['CNITS_E2E_DIR'] || resolve(__dirname, '../../dist/bin');
export const reference = '/usr/lib/cni';
export const hasReference = existsSync(join(reference, 'host-local'));
export const allVersions = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

export interface Call {
  command: string;
  containerID?: string;
  ifName?: string;
  netns?: string;
  args?: string;
  path?: string;
  /** extra or overriding env; undefined deletes */
  env?: Record<string, string | undefined>;
}

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a plugin's JSON answer, read by shape in each test
  json: any;
}

/** Environment of a plugin exec: nothing from ours but PATH (NODE_EXTRA_CA_CERTS would add ~50 ms). */
export function pluginEnv(c: Call, dir: string): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env['PATH'],
    CNI_COMMAND: c.command,
    CNI_CONTAINERID: c.containerID ?? 'ctr1',
    CNI_IFNAME: c.ifName ?? 'eth0',
    CNI_NETNS: c.netns ?? '/var/run/netns/cnits-none',
    CNI_PATH: c.path ?? dir,
    CNI_ARGS: c.args,
    ...c.env,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * Runs `file args` with exactly `env` and `stdin`, as a runtime execs a plugin; bounded: a hung
 * plugin is killed after 50 s and fails its test, not the run.
 */
export async function exec(file: string, env: Record<string, string>, stdin: string, args: readonly string[] = []): Promise<Outcome> {
  const r = await execa(file, args, { env, extendEnv: false, input: stdin, reject: false, timeout: 50_000, killSignal: 'SIGKILL', stripFinalNewline: false });
  if (r.exitCode === undefined && !r.isTerminated) throw r; // could not be started at all
  const stdout = String(r.stdout);
  let json: unknown;
  try { json = stdout ? JSON.parse(stdout) : undefined; } catch { json = undefined; }
  return { code: r.exitCode ?? null, stdout, stderr: String(r.stderr), json };
}

/** Runs plugin `name` from `dir` (ours by default). */
export function cni(name: string, c: Call, conf: unknown, dir = ours): Promise<Outcome> {
  const stdin = typeof conf === 'string' ? conf : JSON.stringify(conf);
  return exec(join(dir, name), pluginEnv(c, dir), stdin);
}

/** A unique temp dir removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `cnits-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs fns with at most `limit` in flight. */
export async function pool<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
