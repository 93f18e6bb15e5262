// Delegation to another plugin (IPAM), as libcni's pkg/invoke does it: find the
// binary on CNI_PATH, run it with our env (only CNI_COMMAND replaced) and our exact
// stdin bytes, pass its stderr through and its error object through unchanged.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, Code } from './errors';
import { runProcess } from '../exec';
import { localPlugin } from './local';
import { run } from './skel';
import type { CmdArgs, Verb } from './plugin';
import { parseResult } from './types/convert';
import type { Result } from './types/current';
import type { Undo } from '../undo';

export const delegateTimeoutMs = 60_000;

export function findInPath(name: string, paths: readonly string[]): string {
  if (!name) throw new CniError(Code.Internal, 'no plugin name provided');
  if (name.includes('/')) throw new CniError(Code.Internal, `invalid plugin name: ${name}`);
  if (!paths.length) throw new CniError(Code.Internal, 'no paths provided');
  for (const dir of paths) {
    const file = join(dir, name);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  throw new CniError(Code.Internal, `failed to find plugin "${name}" in path [${paths.join(' ')}]`);
}

export interface Delegation {
  /** stdin for the delegate; defaults to the caller's exact stdin */
  stdin?: Buffer;
  timeoutMs?: number;
  stderr?: (text: string) => void;
}

/**
 * IPAM ADD inside an ADD with an undo stack: the lease is released (IPAM DEL) if a later step
 * fails; a result without addresses is an error (after the push: it is released too).
 */
export async function ipamAdd(type: string, args: CmdArgs, undo: Undo): Promise<Result & { ips: NonNullable<Result['ips']> }> {
  const ipam = await delegate(type, 'ADD', args);
  undo.push('IPAM', () => delegate(type, 'DEL', { ...args, command: 'DEL' }));
  if (!ipam?.ips?.length) throw new CniError(Code.Internal, 'IPAM plugin returned missing IP config');
  return ipam as Result & { ips: NonNullable<Result['ips']> };
}

/** Runs `type` with CNI_COMMAND=command; returns its parsed result for ADD. */
export async function delegate(type: string, command: Verb, args: CmdArgs, opts: Delegation = {}): Promise<Result | undefined> {
  const file = findInPath(type, args.path);
  const env = { ...args.env, CNI_COMMAND: command };
  const stdin = opts.stdin ?? args.stdin;
  const writeErr = opts.stderr ?? args.stderr;
  const local = localPlugin(args.local, type, file);
  if (local) {
    // same observable contract as exec: env, stdin bytes, stdout parsed, stderr passed on
    let out = '';
    let err = '';
    const code = await run(local, {
      env, readStdin: () => stdin, stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, ...(args.local && { local: args.local }),
    });
    if (err) writeErr(err);
    return outcome(type, command, args, code, Buffer.from(out), Buffer.from(err), '');
  }
  const timeout = opts.timeoutMs ?? delegateTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    const r = await runProcess(file, [], { env, input: stdin, timeoutMs: timeout });
    // ETXTBSY: the binary is being replaced; libcni retries up to 5 times, 1 s apart
    if (r.error?.code === 'ETXTBSY' && attempt < 5) { await new Promise((ok) => setTimeout(ok, 1000)); continue; }
    if (r.stderr.length) writeErr(r.stderr.toString());
    if (r.timedOut) throw new CniError(Code.TryAgainLater, `plugin "${type}" timed out after ${timeout / 1000} s (${command})`);
    return outcome(type, command, args, r.code, r.stdout, r.stderr, r.error?.message ?? (r.signal ? `killed by ${r.signal}` : ''));
  }
}

function outcome(type: string, command: Verb, args: CmdArgs, exitCode: number | undefined, stdout: Buffer, stderr: Buffer, fallback: string): Result | undefined {
  if (exitCode !== 0) throw pluginError(type, exitCode, stdout, stderr, fallback);
  if (command !== 'ADD') return undefined;
  let json: unknown;
  try { json = JSON.parse(stdout.toString()); } catch (err) {
    throw new CniError(Code.DecodingFailure, `decoding result of plugin "${type}": ${(err as Error).message}`);
  }
  return parseResult(json, args.conf.cniVersion);
}

/** The delegate's own error object when it printed one (code kept), else a wrapped message. */
function pluginError(type: string, exitCode: number | undefined, stdout: Buffer, stderr: Buffer, fallback: string): CniError {
  if (stdout.length) {
    try {
      const e = JSON.parse(stdout.toString()) as { code?: unknown; msg?: unknown; details?: unknown };
      if (typeof e.code === 'number' && typeof e.msg === 'string') {
        return new CniError(e.code, e.msg, typeof e.details === 'string' ? e.details : '');
      }
    } catch {
      // fall through
    }
    return new CniError(Code.Internal, `netplugin failed but error parsing its diagnostic message ${JSON.stringify(stdout.toString())}`);
  }
  if (stderr.length) return new CniError(Code.Internal, `netplugin failed: ${JSON.stringify(stderr.toString())}`);
  return new CniError(Code.Internal, `plugin "${type}" failed with no error message (exit ${exitCode ?? '?'}): ${fallback}`);
}
