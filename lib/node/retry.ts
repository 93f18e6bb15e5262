// Waiting on etcd: exponential backoff (0.5 s doubling to 30 s) with a log line that says
// what is waited for and when the next try is, logged again only when the error changes
// or every 10th try, so an etcd outage of hours does not flood the journal.

export class Stopped extends Error {
  override readonly name = 'Stopped';
  constructor() { super('stopped'); }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(new Stopped()); return; }
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(new Stopped()); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

export function backoffMs(attempt: number, min = BACKOFF_MIN_MS, max = BACKOFF_MAX_MS): number {
  return Math.min(max, min * 2 ** Math.min(attempt, 16));
}

/**
 * Runs fn until it resolves. `shouldRetry` false rethrows at once. Each failure logs
 * "<what>: <error>; next try in <n>s" (deduplicated as above).
 */
export async function retry<T>(what: string, fn: () => Promise<T>, log: (line: string) => void, signal: AbortSignal,
  opts: { shouldRetry?: (e: unknown) => boolean; minMs?: number; maxMs?: number } = {}): Promise<T> {
  let last = '';
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw new Stopped();
    try {
      const v = await fn();
      if (attempt > 0) log(`${what}: done after ${attempt + 1} tries`);
      return v;
    } catch (e) {
      if (e instanceof Stopped || (opts.shouldRetry && !opts.shouldRetry(e))) throw e;
      const wait = backoffMs(attempt, opts.minMs, opts.maxMs);
      const msg = e instanceof Error ? e.message : String(e);
      if (msg !== last || attempt % 10 === 0) log(`waiting: ${what}: ${msg}; next try in ${(wait / 1000).toFixed(1)}s`);
      last = msg;
      await sleep(wait, signal);
    }
  }
}
