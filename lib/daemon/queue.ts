// The primary's queue of requests waiting for a worker. Requests for one attachment
// (container id + interface + network name) run one at a time and in arrival order, across
// all workers: a runtime that timed out an ADD and sent the DEL must see the DEL run after
// that ADD (and after the DEL that undoes it), never beside it.

export interface Job<C = unknown> {
  /** attachment key; undefined: runs whenever a worker is free */
  key: string | undefined;
  /** the connection waiting for the answer; undefined for the daemon's own undo DELs */
  client: C | undefined;
}

export class AttachmentQueue<J extends Job> {
  private waiting: J[] = [];
  private running = new Set<string>();

  /** @param limit client requests that may wait at once (the daemon's own jobs are not counted) */
  constructor(private readonly limit: number) {}

  get length(): number { return this.waiting.length; }

  /** Whether a request for `key` must wait behind one for the same attachment. */
  busy(key: string | undefined): boolean {
    return key !== undefined && (this.running.has(key) || this.waiting.some((j) => j.key === key));
  }

  /**
   * Queues a job; false when the queue is full (the caller declines it). A request for a busy
   * attachment is taken even then: declining it would let the shim run it beside the one in
   * flight, which is exactly what the per-attachment order is for.
   */
  add(job: J, first = false): boolean {
    const clients = this.waiting.filter((j) => j.client !== undefined).length;
    if (job.client !== undefined && clients >= this.limit && !this.busy(job.key)) return false;
    if (first) this.waiting.unshift(job); else this.waiting.push(job);
    return true;
  }

  /** Drops a job that has not started (its client hung up); false if it is not waiting. */
  remove(job: J): boolean {
    const i = this.waiting.indexOf(job);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /**
   * Takes the first job, in arrival order, whose attachment is free and that `want` accepts;
   * its attachment is then running until finish(). A job passed over still holds back later
   * jobs of its attachment.
   */
  take(want: (job: J) => boolean = () => true): J | undefined {
    const held = new Set<string>();
    for (let i = 0; i < this.waiting.length; i++) {
      const job = this.waiting[i] as J;
      if (job.key !== undefined && (this.running.has(job.key) || held.has(job.key))) continue;
      if (!want(job)) { if (job.key !== undefined) held.add(job.key); continue; }
      this.waiting.splice(i, 1);
      if (job.key !== undefined) this.running.add(job.key);
      return job;
    }
    return undefined;
  }

  finish(job: J): void {
    if (job.key !== undefined) this.running.delete(job.key);
  }

  /** Whether nothing waits and nothing runs. */
  idle(): boolean {
    return this.waiting.length === 0 && this.running.size === 0;
  }
}
