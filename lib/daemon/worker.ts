// A daemon worker: serves one shim connection at a time (the primary hands it the
// accepted socket), running the plugin in-process with the shim's env, stdin and cwd.
// One request at a time per worker keeps every process-wide thing (cwd, blocking
// flock on the host-local store, exit codes) exactly as in a one-shot exec.
import type { Socket } from 'node:net';
import { statSync } from 'node:fs';
import type { LocalTable, Plugin } from '../cni/plugin';
import { netnsId } from '../cni/process-io';
import { run, type IO } from '../cni/skel';
import { DECLINE, encodeResponse, parseRequest, PROTO_VERSION, type Request } from './protocol';

declare const __CNITS_BUILD_ID__: string | undefined;
export const buildId = typeof __CNITS_BUILD_ID__ === 'string' ? __CNITS_BUILD_ID__ : 'dev';

/** "net:dev:ino mnt:dev:ino user:dev:ino", as the shim writes it. */
export function namespaces(): string {
  return ['net', 'mnt', 'user'].map((k) => {
    try {
      const s = statSync(`/proc/self/ns/${k}`, { bigint: true });
      return `${k}:${s.dev}:${s.ino}`;
    } catch {
      return `${k}:?`;
    }
  }).join(' ');
}

/** Why the daemon must not serve `req` (the shim then runs the executable itself), or undefined. */
export function declineReason(req: Request, plugins: readonly Plugin[], own: { build: string; namespaces: string }): string | undefined {
  if (req.version !== PROTO_VERSION) return `shim protocol ${req.version}, daemon speaks ${PROTO_VERSION}`;
  if (req.build !== own.build) return `shim of build ${req.build}, daemon of build ${own.build}`;
  if (req.namespaces !== own.namespaces) return `shim in other namespaces (${req.namespaces})`;
  if (!plugins.some((p) => p.name === req.plugin)) return `unknown plugin ${JSON.stringify(req.plugin)}`;
  return undefined;
}

export function runWorker(plugins: readonly Plugin[], log: (line: string) => void, local?: LocalTable): void {
  const own = { build: buildId, namespaces: namespaces() };
  const queue: Socket[] = [];
  let busy = false;
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    for (let sock = queue.shift(); sock; sock = queue.shift()) {
      await serve(sock, plugins, own, log, local).catch((err: unknown) => { log(`request failed: ${String(err)}`); sock.destroy(); });
      if (process.connected) process.send?.('done');
    }
    busy = false;
  };
  process.on('message', (msg, handle) => {
    if (msg === 'conn' && handle) { queue.push(handle as Socket); void pump(); }
  });
  // stopping is the primary's call (systemd or ^C signal the whole group): a worker
  // finishes its request and leaves when the primary disconnects
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  // once the primary disconnects (stopping, or gone), nothing holds the event loop:
  // the worker exits after the request in flight
}

function readRequest(sock: Socket): Promise<Request> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error('shim sent no complete request in 10 s')), 10_000);
    const fail = (err: Error) => { clearTimeout(timer); sock.off('data', onData); reject(err); };
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let req: Request | undefined;
      try { req = parseRequest(buf); } catch (err) { fail(err as Error); return; }
      if (req) { clearTimeout(timer); sock.off('data', onData); resolve(req); }
    };
    sock.on('data', onData);
    sock.once('error', fail);
    sock.once('end', () => fail(new Error('shim closed the connection')));
    sock.resume();
  });
}

async function serve(sock: Socket, plugins: readonly Plugin[], own: { build: string; namespaces: string }, log: (line: string) => void, local?: LocalTable): Promise<void> {
  sock.on('error', () => undefined); // the shim died (EPIPE on our answer): the request itself is done
  const req = await readRequest(sock);
  const why = declineReason(req, plugins, own);
  if (why) {
    log(`declined ${req.plugin || '?'}: ${why}`);
    sock.end(encodeResponse({ status: DECLINE, stdout: '', stderr: '' }));
    return;
  }
  const plugin = plugins.find((p) => p.name === req.plugin) as Plugin;
  const t0 = performance.now();
  let stdout = '';
  let stderr = '';
  const io: IO = {
    env: req.env,
    readStdin: () => req.stdin,
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    netnsId,
    ...(local && { local }),
  };
  if (req.cwd && req.cwd !== process.cwd()) {
    try { process.chdir(req.cwd); } catch { /* the plugin sees the daemon's cwd, as after a failed chdir */ }
  }
  const status = await run(plugin, io);
  const e = req.env;
  log(`${plugin.name} ${e['CNI_COMMAND'] ?? '-'} ${e['CNI_CONTAINERID'] ?? '-'} ${e['CNI_IFNAME'] ?? '-'}: exit ${status} in ${(performance.now() - t0).toFixed(1)} ms`);
  sock.end(encodeResponse({ status, stdout, stderr }));
}
