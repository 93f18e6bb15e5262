import { parseArgs } from 'node:util';
// `cnits daemon`: one listening socket and a pool of worker processes (lib/daemon/pool.ts).
// The primary owns every client connection: it asks the kernel who the peer is (peer.ts),
// frames the request, declines what it must not serve, queues the rest per attachment, and
// writes the worker's answer back. A client that hangs up is cancelled while it waits, and
// an ADD of it that ran anyway is undone with a DEL before anything else of its attachment.
//   cnits daemon [--socket PATH] [--workers N] [--queue N]
import type { Socket } from 'node:net';
import { attachmentKey, declineReason, describe } from './admit';
import { checkPeer, ownIdentity, type Peer } from './peer';
import { Pool, type Task } from './pool';
import { DECLINE, DEFAULT_SOCKET, encodeResponse, RequestReader, type Request } from './protocol';
import { buildId } from './worker';

export interface DaemonOptions { socket: string; workers: number; queue: number }

export function parseDaemonArgs(argv: readonly string[], cpus: number): DaemonOptions {
  const usage = (why: string) => new Error(`usage: cnits daemon [--socket PATH] [--workers 1-99] [--queue 1-9999]; ${why}`);
  let values: { socket?: string; workers?: string; queue?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { socket: { type: 'string' }, workers: { type: 'string' }, queue: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw usage((err as Error).message);
  }
  const count = (name: string, v: string | undefined, re: RegExp, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!re.test(v)) throw usage(`bad --${name} ${JSON.stringify(v)}`);
    return Number(v);
  };
  return {
    socket: values.socket || DEFAULT_SOCKET,
    workers: count('workers', values.workers, /^[1-9][0-9]?$/, Math.max(2, Math.min(8, 2 * cpus))),
    queue: count('queue', values.queue, /^[1-9][0-9]{0,3}$/, 64),
  };
}

/** A shim connection, from accept to answer. */
interface Client { sock: Socket; peer: Peer; gone: boolean; task: Task<Client> | undefined }

const declined = encodeResponse({ status: DECLINE, stdout: '', stderr: '' });

/** The answer for a request whose worker died under it: the shim's own words for a lost daemon. */
const lostAnswer = {
  status: 1, stderr: '',
  stdout: '{\n    "code": 11,\n    "msg": "cnits daemon: worker died while serving the request",\n    "details": "the request may have been partly carried out; retry"\n}',
};

export async function runDaemon(argv: readonly string[], log: (line: string) => void, plugins: readonly string[]): Promise<number> {
  const fs = process.getBuiltinModule('node:fs');
  const net = process.getBuiltinModule('node:net');
  const path = process.getBuiltinModule('node:path');
  const os = process.getBuiltinModule('node:os');
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

  const own = ownIdentity();
  let stopping = false;
  let reading = 0; // connections still sending their request
  let finished = () => undefined as void;

  const decline = (c: Client, req: Pick<Request, 'plugin' | 'env'> | undefined, why: string) => {
    log(`declined ${req ? describe(req) : '?'} from pid ${c.peer.pid}: ${why}`);
    if (!c.gone) c.sock.end(declined);
  };
  const answer = (task: Task<Client>, status: number, stdout: string, stderr: string): Promise<void> | void => {
    const c = task.client;
    const add = task.env['CNI_COMMAND'] === 'ADD' && status === 0;
    if (!c) return undefined;
    if (c.gone) { if (add) undo(task, 'client hung up'); return undefined; }
    // an ADD's attachment is held until its answer is out: an error writing it (the client
    // left after all) queues the undo ahead of whatever comes next for the attachment
    const written = new Promise<void>((resolve) => {
      c.sock.write(encodeResponse({ status, stdout, stderr }), (err) => { if (err && add) undo(task, 'client hung up'); resolve(); });
    });
    c.sock.end();
    return add ? written : undefined;
  };
  // the same env and stdin with CNI_COMMAND=DEL, ahead of every later request of the attachment
  const undo = (task: Task<Client>, why: string) => {
    const env = Object.assign(Object.create(null) as Record<string, string>, task.env, { CNI_COMMAND: 'DEL' });
    log(`undoing ${describe({ plugin: task.plugin, env: task.env })}: ${why}`);
    pool.submit({ ...task, id: pool.newId(), client: undefined, env, note: `undo: ${why}` }, true);
  };

  const pool: Pool<Client> = new Pool<Client>(opts.workers, opts.queue, {
    log,
    declineQueued: (task) => { if (task.client) decline(task.client, task, 'daemon stopping'); },
    drained: () => finished(),
    done: (task, m) => {
      if (m) return answer(task, m.status, m.stdout, m.stderr);
      else {
        // the worker died mid-request: whatever it did of an ADD is undone
        if (task.env['CNI_COMMAND'] === 'ADD') undo(task, 'its worker died');
        if (task.client && !task.client.gone) task.client.sock.end(encodeResponse(lostAnswer));
      }
      return undefined;
    },
  });

  const admit = (c: Client, req: Request) => {
    const why = stopping ? 'daemon stopping' : declineReason(req, c.peer.refused, plugins, buildId);
    if (why) { decline(c, req, why); return; }
    const task: Task<Client> = {
      id: pool.newId(), key: attachmentKey(req.env, req.stdin), client: c, plugin: req.plugin, cwd: req.cwd, env: req.env, stdin: req.stdin,
    };
    c.task = task;
    if (!pool.submit(task)) { c.task = undefined; decline(c, req, `queue full (${opts.queue} waiting)`); }
  };

  const server = net.createServer({ pauseOnConnect: true }, (sock) => {
    const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    // judged at accept: the peer is waiting for us, so it is alive and its pidfd pins it
    const c: Client = { sock, peer: checkPeer(fd, own), gone: false, task: undefined };
    sock.on('error', () => undefined); // a shim that went away: 'end'/'close' say so
    if (reading >= opts.queue) {
      // too many half-sent requests: answer at once and drop whatever else it sends
      log(`declined ? from pid ${c.peer.pid}: ${reading} connections still sending`);
      sock.end(declined);
      sock.resume();
      return;
    }
    reading++;
    let sending = true;
    const reader = new RequestReader();
    const done = () => { if (sending) { sending = false; reading--; clearTimeout(timer); } };
    const drop = (why: string) => { done(); log(`dropped a connection from pid ${c.peer.pid}: ${why}`); sock.destroy(); };
    const timer = setTimeout(() => drop('no complete request in 10 s'), 10_000);
    // the shim never half-closes: EOF before the answer means it is gone (killed, timed out)
    const hangUp = () => {
      if (c.gone) return;
      c.gone = true;
      if (sending) drop('client hung up before its request was complete');
      // still waiting: cancelled; already running: answer() sees `gone` (and undoes an ADD)
      else if (c.task && pool.queue.remove(c.task)) log(`cancelled ${describe(c.task)}: client hung up`);
    };
    sock.once('end', hangUp);
    sock.once('close', hangUp);
    sock.on('data', (chunk: Buffer) => {
      if (!sending) return; // bytes after the request: nothing to read, but EOF must still show
      let req: Request | undefined;
      try { req = reader.push(chunk); } catch (err) { drop((err as Error).message); return; }
      if (!req) return;
      done();
      admit(c, req);
    });
    sock.resume();
  });

  // the socket file is born 0600: no moment where anyone else may connect
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(opts.socket, () => resolve()); });
  } finally {
    process.umask(umask);
  }
  fs.chmodSync(opts.socket, 0o600);
  log(`cnits daemon listening on ${opts.socket} with ${opts.workers} workers`);

  return new Promise<number>((resolve) => {
    finished = () => { void pool.close().then(() => resolve(0)); finished = () => undefined; };
    const onSignal = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log(`${sig}: finishing requests in flight, declining those still queued, then exiting`);
      server.close(); // unlinks the socket: new shims run standalone from now on
      pool.stop(); // calls drained() once nothing waits or runs
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
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
