// The few Kubernetes API calls a node agent makes, over node:https: a GET of JSON, and a
// watch (newline-delimited JSON events on one long response). No client library: the API
// is plain HTTPS + JSON, and the agent needs two verbs (research/multinode-anchors.md 4.2).
import type { IncomingMessage } from 'node:http';
import type { KubeConfig } from './config';

/** An API answer other than 2xx; `status` 410 is "Gone" (a resourceVersion too old). */
export class KubeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class KubeClient {
  constructor(private readonly cfg: KubeConfig) {}

  private request(path: string, signal?: AbortSignal, patch?: string): Promise<IncomingMessage> {
    const https = process.getBuiltinModule('node:https');
    const url = new URL(this.cfg.server + path);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'cnits-node' };
    if (this.cfg.token) headers['Authorization'] = `Bearer ${this.cfg.token()}`;
    if (patch !== undefined) headers['Content-Type'] = 'application/strategic-merge-patch+json';
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method: patch === undefined ? 'GET' : 'PATCH', headers, rejectUnauthorized: !this.cfg.insecure,
        ...(this.cfg.ca && { ca: this.cfg.ca }), ...(this.cfg.cert && { cert: this.cfg.cert }), ...(this.cfg.key && { key: this.cfg.key }),
      }, (res) => {
        const status = res.statusCode ?? 0;
        // errors of an accepted response reach the reader through its iterator
        if (status >= 200 && status < 300) { res.on('error', () => undefined); resolve(res); return; }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (t: string) => { if (body.length < 4096) body += t; });
        res.on('end', () => reject(new KubeError(status, `${patch === undefined ? 'GET' : 'PATCH'} ${path}: ${status} ${statusMessage(body)}`)));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`GET ${path}: no answer in 30 s`)));
      req.on('error', reject);
      // not https's own `signal` option: its AbortError can escape every listener once the
      // response is being read; destroying the request ends the reader's iterator instead
      if (signal) {
        const stop = () => req.destroy();
        if (signal.aborted) stop();
        signal.addEventListener('abort', stop, { once: true });
        req.on('close', () => signal.removeEventListener('abort', stop));
      }
      req.end(patch);
    });
  }

  /** A strategic merge patch (e.g. a Node's annotations); resolves when the server took it. */
  async patch(path: string, body: object, signal?: AbortSignal): Promise<void> {
    const res = await this.request(path, signal, JSON.stringify(body));
    res.resume();
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const res = await this.request(path, signal);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  }

  /** Calls onEvent for each watch event until the server ends the stream (resolves) or it fails. */
  async watch<E>(path: string, onEvent: (e: E) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.request(path, signal);
    res.setEncoding('utf8');
    let buf = '';
    for await (const chunk of res) {
      buf += chunk as string;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as E);
      }
    }
    if (buf.trim()) onEvent(JSON.parse(buf) as E);
  }
}

function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { message?: string };
    if (typeof s.message === 'string') return s.message;
  } catch {
    // not a Status object
  }
  return body.slice(0, 200);
}
