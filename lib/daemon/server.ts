// `cnits daemon`: one listening socket, a pool of worker processes (this same
// executable, `cnits daemon-worker`), each serving one shim connection at a time.
// The primary only accepts and hands sockets to idle workers; it never reads them.
//   cnits daemon [--socket PATH] [--workers N]
import type { ChildProcess } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { DEFAULT_SOCKET } from './protocol';

interface Worker { child: ChildProcess; busy: boolean }

export interface DaemonOptions { socket: string; workers: number }

export function parseDaemonArgs(argv: readonly string[], cpus: number): DaemonOptions {
  const opts: DaemonOptions = { socket: DEFAULT_SOCKET, workers: Math.max(2, Math.min(8, 2 * cpus)) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--socket' && v) { opts.socket = v; i++; }
    else if (a === '--workers' && v && /^[1-9][0-9]?$/.test(v)) { opts.workers = Number(v); i++; }
    else throw new Error(`usage: cnits daemon [--socket PATH] [--workers 1-99]; bad argument ${JSON.stringify(a)}`);
  }
  return opts;
}

export async function runDaemon(argv: readonly string[], log: (line: string) => void): Promise<number> {
  const fs = process.getBuiltinModule('node:fs');
  const net = process.getBuiltinModule('node:net');
  const path = process.getBuiltinModule('node:path');
  const os = process.getBuiltinModule('node:os');
  const { spawn } = process.getBuiltinModule('node:child_process');
  let opts: DaemonOptions;
  try { opts = parseDaemonArgs(argv, os.availableParallelism()); } catch (err) { log((err as Error).message); return 2; }

  // a root-only directory: whoever can connect runs plugins as root
  const dir = path.dirname(opts.socket);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
    log(`refusing ${dir}: it must be owned by uid ${process.getuid?.()} and writable by nobody else`);
    return 1;
  }
  if (await alive(opts.socket)) { log(`another daemon already listens on ${opts.socket}`); return 1; }
  fs.rmSync(opts.socket, { force: true });

  const workers: Worker[] = [];
  const waiting: Socket[] = [];
  let stopping = false;
  const dispatch = () => {
    for (;;) {
      const w = workers.find((x) => !x.busy && x.child.connected);
      if (!w || !waiting.length) return;
      const sock = waiting.shift() as Socket;
      w.busy = true;
      w.child.send('conn', sock, (err) => { if (err) { sock.destroy(); w.busy = false; } });
    }
  };
  // a worker that dies young is restarted later and later (0.2 s doubling to 10 s), so a
  // binary that cannot start does not spin; one that lived a minute restarts at once
  const delay: number[] = [];
  const start = (slot: number) => {
    const born = Date.now();
    const child = spawn(process.execPath, ['daemon-worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const w: Worker = { child, busy: false };
    workers[slot] = w;
    child.on('error', (err) => log(`worker: ${err.message}`));
    child.on('message', (m) => { if (m === 'done') { w.busy = false; dispatch(); } });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      delay[slot] = Date.now() - born > 60_000 ? 200 : Math.min(10_000, (delay[slot] ?? 100) * 2);
      log(`worker ${child.pid} exited (${signal ?? code}); starting another in ${delay[slot]} ms`);
      setTimeout(() => { if (!stopping) { start(slot); dispatch(); } }, delay[slot]);
    });
  };
  for (let i = 0; i < opts.workers; i++) start(i);

  const server: Server = net.createServer({ pauseOnConnect: true }, (sock) => {
    sock.on('error', () => undefined); // a shim that went away while queued: nothing to tell
    waiting.push(sock);
    dispatch();
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(opts.socket, () => resolve()); });
  fs.chmodSync(opts.socket, 0o600);
  log(`cnits daemon listening on ${opts.socket} with ${opts.workers} workers`);

  return new Promise<number>((resolve) => {
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log(`${sig}: finishing requests in flight, then exiting`);
      server.close(); // unlinks the socket: new shims run standalone from now on
      for (const w of workers) w.child.disconnect?.(); // a worker exits once its queue is done
      let left = workers.length;
      for (const w of workers) {
        if (w.child.exitCode !== null || w.child.signalCode !== null) { if (--left === 0) resolve(0); continue; }
        w.child.once('exit', () => { if (--left === 0) resolve(0); });
      }
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

/** Whether something accepts connections on `socket` (a live daemon, not a stale file). */
export function alive(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = process.getBuiltinModule('node:net').connect(socket);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}
