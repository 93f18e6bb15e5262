// The cluster's nodes as a node agent needs them (name, podCIDRs, InternalIPs), kept
// current with list + watch: the watch resumes from the last resourceVersion (bookmarks
// keep it fresh), a 410 Gone relists, and an unreachable API server is retried with a
// growing delay while the last known state stays in place.
import { KubeClient, KubeError } from './client';

export interface NodeInfo {
  name: string;
  /** spec.podCIDRs (dual stack), else [spec.podCIDR]; empty until the controller assigns one */
  podCIDRs: string[];
  /** status.addresses of type InternalIP */
  internalIPs: string[];
  annotations: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a v1.Node from the API, read by shape
type ApiNode = any;
interface WatchEvent { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: ApiNode }

export function nodeInfo(n: ApiNode): NodeInfo {
  const spec = n?.spec ?? {};
  const podCIDRs: string[] = Array.isArray(spec.podCIDRs) && spec.podCIDRs.length ? spec.podCIDRs : spec.podCIDR ? [spec.podCIDR] : [];
  const internalIPs = ((n?.status?.addresses ?? []) as { type?: string; address?: string }[])
    .filter((a) => a.type === 'InternalIP' && typeof a.address === 'string').map((a) => a.address as string);
  return { name: String(n?.metadata?.name ?? ''), podCIDRs, internalIPs, annotations: { ...(n?.metadata?.annotations ?? {}) } };
}

export interface WatchOptions {
  /** called with the whole set after every change */
  onChange(nodes: ReadonlyMap<string, NodeInfo>): void;
  log(line: string): void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** how long one watch request may stay open (the server ends it; we resume) */
  watchSeconds?: number;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const done = () => { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); };
  const t = setTimeout(done, ms);
  signal.addEventListener('abort', done, { once: true });
});

/** Lists and watches /api/v1/nodes until `signal` aborts. */
export async function watchNodes(client: KubeClient, opts: WatchOptions, signal: AbortSignal): Promise<void> {
  const nodes = new Map<string, NodeInfo>();
  const min = opts.minBackoffMs ?? 1000;
  const max = opts.maxBackoffMs ?? 30_000;
  let delay = min;
  let rv: string | undefined;
  while (!signal.aborted) {
    try {
      if (rv === undefined) {
        const list = await client.get<{ metadata?: { resourceVersion?: string }; items?: ApiNode[] }>('/api/v1/nodes', signal);
        nodes.clear();
        for (const item of list.items ?? []) { const n = nodeInfo(item); nodes.set(n.name, n); }
        rv = list.metadata?.resourceVersion ?? '';
        opts.onChange(nodes);
      }
      let gone = false;
      const from = rv;
      await client.watch<WatchEvent>(`/api/v1/nodes?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(from)}&timeoutSeconds=${opts.watchSeconds ?? 300}`, (e) => {
        if (e.type === 'ERROR') {
          if (e.object?.code === 410) gone = true;
          else opts.log(`node watch error: ${e.object?.message ?? JSON.stringify(e.object)}`);
          return;
        }
        const next = e.object?.metadata?.resourceVersion;
        if (typeof next === 'string') rv = next;
        if (e.type === 'BOOKMARK') return;
        const n = nodeInfo(e.object);
        if (e.type === 'DELETED') nodes.delete(n.name);
        else nodes.set(n.name, n);
        opts.onChange(nodes);
      }, signal);
      delay = min;
      if (gone) {
        opts.log(`resourceVersion ${from} is gone (410): listing the nodes again`);
        rv = undefined;
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof KubeError && err.status === 410) { rv = undefined; continue; }
      opts.log(`waiting for the API server (${(err as Error).message}); retrying in ${delay} ms`);
      await sleep(delay, signal);
      delay = Math.min(max, delay * 2);
    }
  }
}
