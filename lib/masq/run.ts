// The one place in lib/masq that starts processes. Everything else takes a Runner, so
// tests can count forks or run inside a scratch netns (`ip netns exec <ns> ...`).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runProcess } from '../exec';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** exit status; 127 when the program could not be started */
  code: number;
}

export type Runner = (file: string, args: readonly string[], input?: string) => Promise<RunResult>;

/** A still-valid attachment, as in GC's `cni.dev/valid-attachments`. */
export interface Attachment {
  containerID: string;
  ifname: string;
}

/** Options shared by every entry point of lib/masq. */
export interface NetfilterOptions {
  runner?: Runner;
  /**
   * iptables teardown: try the one-fork write for what ADD made before reading (default).
   * Off where the attachment most likely used nftables: the write would fail, costing a fork.
   */
  optimistic?: boolean;
}

/** The reference gives nft 55 s; iptables waits for the xtables lock without limit. */
const TIMEOUT_MS = 60_000;

/** Runs `file args` with `input` on stdin. Never rejects: start failures come back as code 127. */
export const defaultRunner: Runner = async (file, args, input) => {
  const r = await runProcess(file, args, { input, env: { ...process.env, LC_ALL: 'C' }, timeoutMs: TIMEOUT_MS });
  if (r.error) return { stdout: '', stderr: `${file}: ${r.error.message}`, code: 127 };
  return {
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr.toString('utf8') + (r.signal ? `${file}: killed by ${r.signal}` : ''),
    code: r.code ?? 128,
  };
};

/** Wraps a runner so every command runs inside network namespace `ns` (tests). */
export function netnsRunner(ns: string, base: Runner = defaultRunner): Runner {
  return (file, args, input) => base('ip', ['netns', 'exec', ns, file, ...args], input);
}

/** Wraps a runner to record every command it starts. */
export function countingRunner(base: Runner = defaultRunner): { runner: Runner; calls: string[][] } {
  const calls: string[][] = [];
  return { calls, runner: (file, args, input) => { calls.push([file, ...args]); return base(file, args, input); } };
}

export class NetfilterError extends Error {
  constructor(readonly command: readonly string[], readonly code: number, readonly stderr: string) {
    super(`running ${JSON.stringify(command.join(' '))}: exit status ${code}: ${stderr.trim()}`);
    this.name = 'NetfilterError';
  }
}

/** Runs the command and returns stdout; a non-zero exit throws NetfilterError carrying stderr. */
export async function mustRun(runner: Runner, file: string, args: readonly string[], input?: string): Promise<string> {
  const r = await runner(file, args, input);
  if (r.code !== 0) throw new NetfilterError([file, ...args], r.code, r.stderr);
  return r.stdout;
}

const found = new Map<string, boolean>();

/** Whether `name` is an executable in PATH (what spawn and Go's exec.LookPath search). No fork; cached. */
export function hasBinary(name: string): boolean {
  const cached = found.get(name);
  if (cached !== undefined) return cached;
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  let ok = false;
  for (const dir of dirs) {
    try { accessSync(join(dir, name), constants.X_OK); ok = true; break; } catch { /* next */ }
  }
  found.set(name, ok);
  return ok;
}
