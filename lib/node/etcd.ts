// The agent's view of etcd, and its implementation on the `etcd3` client (etcd v3 gRPC API,
// as flanneld's go.etcd.io/etcd/client/v3). Only this file knows the client; the agent
// talks to a Store, so the logic above it runs against a fake in unit tests.
import { readFileSync } from 'node:fs';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';

export interface KV {
  key: string;
  value: string;
  /** etcd lease id, "0" for none */
  lease: string;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** put only */
  value?: string;
  lease?: string;
}

export interface Store {
  get(key: string): Promise<string | undefined>;
  /** every key under `prefix`, with the revision the snapshot was taken at */
  list(prefix: string): Promise<{ kvs: KV[]; revision: string }>;
  /** flannel's createSubnet: grant a TTL lease, put iff the key has never existed (Version == 0) */
  create(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** flannel's updateSubnet: a new TTL lease (0: none, a reservation) and an unconditional put */
  update(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Events under `prefix` after `revision`; the client reconnects the stream itself (to any
   * live member) and says so through onState.
   */
  watch(prefix: string, revision: string, onEvent: (e: WatchEvent) => void, onError: (e: Error) => void,
    onState?: (connected: boolean, why: string) => void): Promise<{ cancel(): Promise<void> }>;
  close(): void;
}

export interface EtcdOptions {
  endpoints: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
  username: string;
  password: string;
  /** deadline of one unary call */
  callTimeoutMs?: number;
}

export function etcd3Options(o: EtcdOptions): IOptions {
  const opts: IOptions = {
    hosts: o.endpoints,
    dialTimeout: 3000,
    // without a deadline a call to a dead member waits for the dial forever; the client's
    // retry policy then moves to the next member
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + (o.callTimeoutMs ?? 5000) }),
    // a watch on a member that died reconnects (to another member) within 5 s, not the
    // client's default 30 s: until then the node misses lease changes
    // (etcd3 calls .next() on what it gets, as on its own default, a cockatiel backoff factory;
    // its typings name the older cockatiel's type)
    faultHandling: { watchBackoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 5000 }) as unknown as IBackoff<unknown> },
  };
  if (o.caFile || o.certFile || o.keyFile) {
    const read = (f: string): Buffer | undefined => (f ? readFileSync(f) : undefined);
    const ca = read(o.caFile), key = read(o.keyFile), cert = read(o.certFile);
    // no CA file: grpc's createSsl(undefined, ...) verifies against the system's roots
    opts.credentials = { rootCertificate: ca as Buffer };
    if (key) opts.credentials.privateKey = key;
    if (cert) opts.credentials.certChain = cert;
  }
  if (o.username) opts.auth = { username: o.username, password: o.password };
  return opts;
}

const str = (b: Buffer | string | undefined | null): string => (b === undefined || b === null ? '' : Buffer.from(b).toString('utf8'));

const WATCH_CONNECT_MS = 10_000;

export class Etcd3Store implements Store {
  private readonly client: Etcd3;

  constructor(o: EtcdOptions) {
    this.client = new Etcd3(etcd3Options(o));
  }

  async get(key: string): Promise<string | undefined> {
    const v = await this.client.get(key).string();
    return v ?? undefined;
  }

  async list(prefix: string): Promise<{ kvs: KV[]; revision: string }> {
    const r = await this.client.getAll().prefix(prefix).exec();
    return {
      revision: String(r.header.revision),
      kvs: r.kvs.map((kv) => ({ key: str(kv.key), value: str(kv.value), lease: String(kv.lease ?? '0') })),
    };
  }

  private async grant(ttlSeconds: number): Promise<string> {
    const r = await this.client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 });
    return String(r.ID);
  }

  private async revoke(id: string): Promise<void> {
    await this.client.leaseClient.leaseRevoke({ ID: id }).catch(() => undefined);
  }

  async create(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const id = await this.grant(ttlSeconds);
    try {
      const r = await this.client.if(key, 'Version', '==', 0).then(this.client.put(key).value(value).lease(id)).commit();
      if (!r.succeeded) await this.revoke(id);
      return r.succeeded;
    } catch (e) {
      await this.revoke(id);
      throw e;
    }
  }

  async update(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (ttlSeconds === 0) { await this.client.put(key).value(value).exec(); return; }
    const id = await this.grant(ttlSeconds);
    try {
      await this.client.put(key).value(value).lease(id).exec();
    } catch (e) {
      await this.revoke(id);
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.delete().key(key).exec();
  }

  async watch(prefix: string, revision: string, onEvent: (e: WatchEvent) => void, onError: (e: Error) => void,
    onState?: (connected: boolean, why: string) => void): Promise<{ cancel(): Promise<void> }> {
    // watcher(), not create(): create() waits for a member without end when none answers; the
    // watcher is attached at once and (re)connects by itself, so wait a while, then go on
    const w = this.client.watch().prefix(prefix).startRevision(revision).watcher();
    w.on('put', (kv) => onEvent({ type: 'put', key: str(kv.key), value: str(kv.value), lease: String(kv.lease ?? '0') }));
    w.on('delete', (kv) => onEvent({ type: 'delete', key: str(kv.key) }));
    w.on('error', onError);
    w.on('disconnected', (err) => onState?.(false, err.message));
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), WATCH_CONNECT_MS);
      w.once('connected', () => { clearTimeout(t); resolve(true); });
    });
    w.on('connected', () => onState?.(true, ''));
    if (!connected) onState?.(false, `no member answered the watch within ${WATCH_CONNECT_MS / 1000}s`);
    return { cancel: () => w.cancel() };
  }

  close(): void {
    this.client.close();
  }
}
