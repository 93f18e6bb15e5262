// A daemon worker: runs one request at a time in-process, as the primary hands them over
// IPC (the primary keeps the shim's socket: it reads the request, judges the peer, and
// writes the answer). One request at a time per worker keeps every process-wide thing (cwd,
// blocking flock on the host-local store, exit codes) exactly as in a one-shot exec.
import type { LocalTable, Plugin } from '../cni/plugin';
import { netnsId } from '../cni/process-io';
import { run, type IO } from '../cni/skel';
import { describe } from './admit';
import { emptyEnv } from './protocol';

declare const __CNITS_BUILD_ID__: string | undefined;
export const buildId = typeof __CNITS_BUILD_ID__ === 'string' ? __CNITS_BUILD_ID__ : 'dev';

/** primary -> worker */
export interface JobMessage {
  t: 'job';
  id: number;
  plugin: string;
  cwd: string;
  /** entries, not an object: IPC would turn a null-prototype env into a plain one */
  env: [string, string][];
  stdin: Uint8Array;
  /** logged: an ADD undone because its client hung up, or its worker died */
  note?: string;
}

/** worker -> primary */
export interface DoneMessage { t: 'done'; id: number; status: number; stdout: string; stderr: string }

export function runWorker(plugins: readonly Plugin[], log: (line: string) => void, local?: LocalTable): void {
  // whatever this process execs (iptables, a delegate that is a cnits-shim not recognised as
  // ours) runs standalone: it must never queue behind this worker in its own daemon
  process.env['CNITS_DAEMON'] = 'off';
  const queue: JobMessage[] = [];
  let busy = false;
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    for (let job = queue.shift(); job; job = queue.shift()) {
      const done = await serve(job, plugins, log, local).catch((err: unknown): DoneMessage => {
        log(`request failed: ${String(err)}`);
        return { t: 'done', id: (job as JobMessage).id, status: 1, stdout: '', stderr: `cnits daemon: ${String(err)}\n` };
      });
      if (process.connected) process.send?.(done);
    }
    busy = false;
  };
  process.on('message', (msg: JobMessage) => {
    if (msg?.t === 'job') { queue.push(msg); void pump(); }
  });
  // stopping is the primary's call (systemd or ^C signal the whole group): a worker
  // finishes its request and leaves when the primary disconnects
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
}

async function serve(job: JobMessage, plugins: readonly Plugin[], log: (line: string) => void, local?: LocalTable): Promise<DoneMessage> {
  const plugin = plugins.find((p) => p.name === job.plugin);
  if (!plugin) throw new Error(`unknown plugin ${JSON.stringify(job.plugin)}`); // the primary checked
  const env = emptyEnv();
  for (const [k, v] of job.env) env[k] = v;
  // passed on to delegates the plugin execs: they run standalone, never back into the daemon
  env['CNITS_DAEMON'] = 'off';
  const stdin = Buffer.from(job.stdin.buffer, job.stdin.byteOffset, job.stdin.byteLength);
  const t0 = performance.now();
  let stdout = '';
  let stderr = '';
  const io: IO = {
    env,
    readStdin: () => stdin,
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    netnsId,
    ...(local && { local }),
  };
  if (job.cwd && job.cwd !== process.cwd()) {
    try { process.chdir(job.cwd); } catch { /* the plugin sees the daemon's cwd, as after a failed chdir */ }
  }
  const status = await run(plugin, io);
  log(`${describe({ plugin: plugin.name, env })}${job.note ? ` (${job.note})` : ''}: exit ${status} in ${(performance.now() - t0).toFixed(1)} ms`);
  return { t: 'done', id: job.id, status, stdout, stderr };
}
