// The one way plugins start a process (IPAM delegates, iptables, nft): plain
// child_process.spawn. execa is deliberately not used on the exec path: loading it
// costs ~15 ms per plugin exec that delegates (measured: bridge ADD with an exec'd
// host-local took 45 ms with execa, 33 ms without); the tools use it (conformance/).
import { spawnArgs } from './runtime';

export interface ProcessResult {
  /** exit status; undefined when killed or never started */
  code: number | undefined;
  signal: NodeJS.Signals | undefined;
  stdout: Buffer;
  stderr: Buffer;
  /** why it could not be started (ENOENT, EACCES, ETXTBSY...) */
  error: NodeJS.ErrnoException | undefined;
  timedOut: boolean;
}

export interface ProcessOptions {
  input?: Buffer | string | undefined;
  /** the child's whole environment (default: ours) */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs file with args; never rejects. On timeout the child gets SIGKILL. */
export function runProcess(file: string, args: readonly string[], opts: ProcessOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let error: NodeJS.ErrnoException | undefined;
    // loaded on first use: child_process is not meant to be initialised inside a V8 startup snapshot
    const { spawn } = process.getBuiltinModule('node:child_process');
    const how = spawnArgs(file, args, opts.env ?? process.env);
    const child = spawn(how.file, how.args, { env: how.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs) : undefined;
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => { error = e; });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? undefined, signal: signal ?? undefined, stdout: Buffer.concat(out), stderr: Buffer.concat(err), error, timedOut });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // the program may exit without reading
      child.stdin.end(opts.input);
    }
  });
}
