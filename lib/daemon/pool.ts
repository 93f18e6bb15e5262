// The primary's worker processes (this same executable, `cnits daemon-worker`) and the
// queue feeding them. Jobs carry the request; answers come back over IPC and the primary
// writes them to the shim, so a worker never holds a client socket.
import type { ChildProcess } from 'node:child_process';
import { AttachmentQueue, type Job } from './queue';
import type { DoneMessage, JobMessage } from './worker';

export interface Task<C> extends Job<C> {
  id: number;
  plugin: string;
  cwd: string;
  env: Record<string, string>;
  stdin: Buffer;
  note?: string;
}

export interface PoolEvents<C> {
  /**
   * A task finished (answer undefined: its worker died). Its attachment stays taken until the
   * returned promise settles: an undo decided late (the answer could not be written) still
   * comes before the next request of the attachment.
   */
  done(task: Task<C>, answer: DoneMessage | undefined): Promise<void> | void;
  /** while stopping, a waiting client task whose attachment is free: the caller declines it */
  declineQueued(task: Task<C>): void;
  /** while stopping, nothing waits and nothing runs any more */
  drained(): void;
  log(line: string): void;
}

interface Worker<C> { child: ChildProcess; task: Task<C> | undefined }

export class Pool<C> {
  readonly queue: AttachmentQueue<Task<C>>;
  private workers: Worker<C>[] = [];
  private delay: number[] = [];
  private stopping = false;
  private nextId = 1;

  constructor(size: number, queueLimit: number, private readonly events: PoolEvents<C>) {
    this.queue = new AttachmentQueue(queueLimit);
    for (let i = 0; i < size; i++) this.start(i);
  }

  newId(): number { return this.nextId++; }

  /** Queues a task (first: ahead of everything, for undo DELs); false: queue full. */
  submit(task: Task<C>, first = false): boolean {
    if (!this.queue.add(task, first)) return false;
    this.dispatch();
    return true;
  }

  /** From now on waiting client tasks are declined; the daemon's own undo DELs still run. */
  stop(): void {
    this.stopping = true;
    this.dispatch();
  }

  /** Whether nothing waits and no worker is busy. */
  idle(): boolean {
    return this.queue.idle() && this.workers.every((w) => !w.task);
  }

  /** Disconnects every worker (each exits once idle); resolves when all have exited. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) { resolve(); return; }
      w.child.once('exit', () => resolve());
      if (w.child.connected) w.child.disconnect();
    })));
  }

  pids(): number[] { return this.workers.map((w) => w.child.pid ?? 0); }

  dispatch(): void {
    for (;;) {
      const idle = this.workers.find((w) => !w.task && w.child.connected);
      // stopping with no worker left (they died): what waits can only be dropped
      const orphaned = this.stopping && !this.workers.some((w) => w.child.connected);
      const declining = (t: Task<C>) => this.stopping && (t.client !== undefined || orphaned);
      const task = this.queue.take((t) => declining(t) || idle !== undefined);
      if (!task) break;
      if (orphaned && !task.client) { this.queue.finish(task); this.events.log(`dropped ${task.plugin} request ${task.id} (${task.note ?? ''}): no worker left`); continue; }
      if (declining(task)) { this.queue.finish(task); this.events.declineQueued(task); continue; }
      const w = idle as Worker<C>;
      w.task = task;
      const msg: JobMessage = { t: 'job', id: task.id, plugin: task.plugin, cwd: task.cwd, env: Object.entries(task.env), stdin: task.stdin, ...(task.note && { note: task.note }) };
      w.child.send(msg, (err) => { if (err) this.lost(w, `send: ${err.message}`); });
    }
    if (this.stopping && this.idle()) this.events.drained();
  }

  private finish(w: Worker<C>, answer: DoneMessage | undefined): void {
    const task = w.task;
    if (!task) return;
    w.task = undefined;
    const release = () => { this.queue.finish(task); this.dispatch(); };
    const pending = this.events.done(task, answer);
    if (pending) void pending.then(release, release); else release();
  }

  private lost(w: Worker<C>, why: string): void {
    if (w.task) this.events.log(`worker ${w.child.pid} lost ${w.task.plugin} request ${w.task.id}: ${why}`);
    this.finish(w, undefined);
  }

  // a worker that dies young is restarted later and later (0.2 s doubling to 10 s), so a
  // binary that cannot start does not spin; one that lived a minute restarts at once
  private start(slot: number): void {
    const born = Date.now();
    const { spawn } = process.getBuiltinModule('node:child_process');
    // advanced serialization: stdin travels as bytes, not as a JSON array of numbers
    const child = spawn(process.execPath, ['daemon-worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    const w: Worker<C> = { child, task: undefined };
    this.workers[slot] = w;
    child.on('error', (err) => this.events.log(`worker: ${err.message}`));
    child.on('message', (m: DoneMessage) => { if (m?.t === 'done' && w.task?.id === m.id) this.finish(w, m); });
    child.on('exit', (code, signal) => {
      this.lost(w, `worker exited (${signal ?? code})`);
      if (this.stopping) return;
      this.delay[slot] = Date.now() - born > 60_000 ? 200 : Math.min(10_000, (this.delay[slot] ?? 100) * 2);
      this.events.log(`worker ${child.pid} exited (${signal ?? code}); starting another in ${this.delay[slot]} ms`);
      setTimeout(() => { if (!this.stopping) { this.start(slot); this.dispatch(); } }, this.delay[slot]);
    });
  }
}
