// `cnits node`: flanneld's etcd mode. Start-up: external interface, network config, backend
// device, lease, subnet.env, conflist, traffic rules. Then it follows the leases (watch,
// plus a full re-list from time to time, since a watch can silently miss events across
// member failures and compactions) and reconciles the kernel to them: on every change, and
// every RECONCILE_MS in case someone removed a route. Stopping leaves routes, device,
// rules and the lease in place (as flanneld), so pods keep talking while it restarts.
import type { Netlink } from '../netlink';
import type { Runner } from '../masq';
import { type Backend, findExtIface, type Peer } from './backend';
import type { NetworkConfig } from './config';
import type { Store, WatchEvent } from './etcd';
import { readPreviousSubnet, writeNodeFiles } from './files';
import { HostGw } from './hostgw';
import { describeLease, type Lease, type LeaseAttrs } from './lease';
import { keepTrafficRules } from './masq';
import { formatNet4 } from './net4';
import type { NodeOptions } from './options';
import { retry, sleep, Stopped } from './retry';
import { type Acquired, BadValueError, Subnets } from './subnets';
import { Vxlan } from './vxlan';

export const RECONCILE_MS = 10_000;
export const RELIST_MS = 60_000;

export interface AgentDeps {
  store: Store;
  nl: Netlink;
  runner: Runner;
  log: (line: string) => void;
  signal: AbortSignal;
}

export class Agent {
  private readonly subnets: Subnets;
  private peers = new Map<string, Lease>();
  private backend!: Backend;
  private own!: Acquired;
  private cfg!: NetworkConfig;
  private pending = false;
  private watchGen = 0;
  private cancelWatch: (() => Promise<void>) | undefined;
  /** set when our own lease disappears from etcd: flanneld shuts down then */
  private revoked: ((e: Error) => void) | undefined;

  /** aborted by the caller's signal, and by run() on its way out (a revoked lease), so every wait ends */
  private readonly done = new AbortController();

  constructor(private readonly opts: NodeOptions, private readonly d: AgentDeps) {
    this.subnets = new Subnets(d.store, opts.etcdPrefix, d.log);
    d.signal.addEventListener('abort', () => this.done.abort(), { once: true });
  }

  /** Runs until the signal aborts (resolves) or the lease is revoked (rejects). */
  async run(): Promise<void> {
    const { log, nl } = this.d;
    const signal = this.done.signal;
    const ext = findExtIface(nl, this.opts.iface);
    const publicIP = this.opts.publicIP || ext.address;
    log(`using interface ${ext.name} (${ext.address}, mtu ${ext.mtu}), public IP ${publicIP}`);
    this.cfg = await retry('network config', async () => {
      const c = await this.subnets.config();
      if (!c) throw new Error(`${this.subnets.configKey} does not exist: put the network config there (etcd v3 API)`);
      return c;
    }, log, signal, { minMs: 1000, maxMs: 10_000 });
    const cfg = this.cfg;
    log(`network ${formatNet4(cfg.network)}, /${cfg.subnetLen} per node, backend ${cfg.backend}${cfg.backend === 'vxlan' ? ` (VNI ${cfg.vni}, port ${cfg.port || 8472})` : ''}`);

    let vxlan: Vxlan | undefined;
    if (cfg.backend === 'host-gw') {
      // flannel: host-gw needs the public IP on the interface (no NAT between nodes)
      if (publicIP !== ext.address) throw new Error(`host-gw: public IP ${publicIP} is not the address of ${ext.name} (${ext.address}): a NATed node cannot use host-gw`);
      this.backend = new HostGw(nl, ext);
    } else {
      vxlan = new Vxlan(nl, ext, { vni: cfg.vni, port: cfg.port, mtu: cfg.mtu }, log);
      this.backend = vxlan;
    }
    const attrs: LeaseAttrs = { publicIP, backendType: cfg.backend, ...(this.backend.vtep ? { vtep: this.backend.vtep } : {}) };
    const previous = readPreviousSubnet(this.opts.subnetFile);
    this.own = await retry('acquiring a subnet lease', () => this.subnets.acquire(cfg, attrs, previous), log, signal);
    log(`subnet ${formatNet4(this.own.lease.subnet)}: ${this.own.how} (${this.own.key})`);
    vxlan?.assign(this.own.lease.subnet);

    this.writeFiles();
    await this.ensureRules();
    const stopped = new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
      this.revoked = reject;
    });
    const timers = [
      setInterval(() => this.schedule(), RECONCILE_MS),
      setInterval(() => void this.ensureRules(), RECONCILE_MS),
      setInterval(() => void this.relist().catch(() => undefined), RELIST_MS),
      setInterval(() => void this.heartbeat(), RECONCILE_MS),
    ];
    const renewing = this.renewLoop().catch((e: unknown) => { if (!(e instanceof Stopped)) this.revoked?.(e as Error); });
    try {
      // after the timers: the heartbeat must report an etcd that dies while we list
      await this.relist();
      await stopped;
    } finally {
      this.done.abort();
      for (const t of timers) clearInterval(t);
      await this.cancelWatch?.().catch(() => undefined);
      await renewing;
    }
  }

  private writeFiles(): void {
    writeNodeFiles(this.opts, this.cfg.network, this.own.lease.subnet, this.backend.mtu);
  }

  private ensureRules(): Promise<void> {
    return keepTrafficRules(this.d.runner, this.opts, formatNet4(this.cfg.network), formatNet4(this.own.lease.subnet), this.d.log);
  }

  /** Replaces the lease cache with a fresh list and (re)starts the watch after it. */
  private async relist(): Promise<void> {
    const { leases, revision } = await retry('listing subnet leases', () => this.subnets.leases(), this.d.log, this.done.signal);
    this.peers = leases;
    if (!leases.has(this.own.key)) { this.lost(); return; }
    this.schedule();
    await this.startWatch(String(BigInt(revision) + 1n));
  }

  private async startWatch(fromRevision: string): Promise<void> {
    const gen = ++this.watchGen;
    await this.cancelWatch?.().catch(() => undefined);
    this.cancelWatch = undefined;
    const w = await retry('watching subnet leases', () => this.d.store.watch(this.subnets.subnetsPrefix, fromRevision,
      (e) => { if (gen === this.watchGen) this.onEvent(e); },
      (err) => { this.d.log(`watch: ${err.message}; re-listing`); void sleep(1000, this.done.signal).then(() => this.relist()).catch(() => undefined); },
      (connected, why) => this.onWatchState(connected, why)),
    this.d.log, this.done.signal);
    if (gen !== this.watchGen) { await w.cancel(); return; }
    this.cancelWatch = () => w.cancel();
  }

  private watchDown = false;
  private etcdDown = false;

  /**
   * One read of the config key per RECONCILE_MS: a watch stream does not always notice that
   * its member died, and "etcd is gone" must reach the log while routes stay as they are.
   */
  private async heartbeat(): Promise<void> {
    try {
      await this.d.store.get(this.subnets.configKey);
      if (this.etcdDown) {
        this.etcdDown = false;
        this.d.log('etcd reachable again; re-listing leases');
        await this.relist();
      }
    } catch (e) {
      if (!this.etcdDown) this.d.log(`waiting: etcd unreachable (${(e as Error).message}); routes stay as they are, retrying every ${RECONCILE_MS / 1000}s at ${this.opts.etcdEndpoints.join(',')}`);
      this.etcdDown = true;
    }
  }

  /** etcd gone: routes stay as they are; the client retries with backoff, and we say so once */
  private onWatchState(connected: boolean, why: string): void {
    if (!connected && !this.watchDown) this.d.log(`waiting: etcd watch lost (${why}); routes stay as they are, reconnecting with backoff to ${this.opts.etcdEndpoints.join(',')}`);
    if (connected && this.watchDown) {
      this.d.log('etcd watch reconnected; re-listing leases');
      void this.relist().catch(() => undefined);
    }
    this.watchDown = !connected;
  }

  private onEvent(e: WatchEvent): void {
    if (e.type === 'delete') {
      if (e.key === this.own.key) { this.lost(); return; }
      const gone = this.peers.get(e.key);
      if (gone && this.peers.delete(e.key)) this.d.log(`lease removed: ${describeLease(gone)}`);
    } else {
      const l = this.subnets.parse({ key: e.key, value: e.value ?? '', lease: e.lease ?? '0' });
      if (!l) return;
      if (!this.peers.has(e.key) && e.key !== this.own.key) this.d.log(`lease added: ${describeLease(l)}`);
      this.peers.set(e.key, l);
    }
    this.schedule();
  }

  private lost(): void {
    this.revoked?.(new Error(`lease ${this.own.key} has been revoked (deleted or expired in etcd): shutting down, as flanneld; routes and rules stay`));
  }

  /** Coalesces a burst of events into one reconcile. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => { this.pending = false; this.reconcile(); });
  }

  private reconcile(): void {
    const mine = this.own.lease;
    const peers: Peer[] = [];
    for (const [key, l] of this.peers) {
      // flannel: leases of another backend type are not ours to route
      if (key === this.own.key || l.attrs.publicIP === mine.attrs.publicIP || l.attrs.backendType !== this.backend.type) continue;
      peers.push({ subnet: formatNet4(l.subnet), publicIP: l.attrs.publicIP, ...(l.attrs.vtep ? { vtepMAC: l.attrs.vtep.mac } : {}) });
    }
    try {
      const c = this.backend.reconcile(peers);
      if (c.added || c.removed) this.d.log(`reconciled ${peers.length} peers: ${c.added} added, ${c.removed} removed`);
      for (const f of c.failed) this.d.log(`kernel: ${f}`);
    } catch (e) {
      this.d.log(`reconcile: ${(e as Error).message}`);
    }
  }

  /** Renews the lease `-subnet-lease-renew-margin` minutes before it runs out. */
  private async renewLoop(): Promise<void> {
    for (;;) {
      if (this.own.expires === undefined) return; // a reservation
      const due = this.own.expires - this.opts.subnetLeaseRenewMargin * 60_000 - Date.now();
      await sleep(Math.max(0, Math.min(due, 2 ** 31 - 1)), this.done.signal);
      if (this.own.expires - this.opts.subnetLeaseRenewMargin * 60_000 > Date.now()) continue;
      this.own = await retry(`renewing lease ${this.own.key}`, () => this.subnets.renew(this.own), this.d.log, this.done.signal);
      this.d.log(`lease ${this.own.key} renewed`);
    }
  }
}

export { BadValueError };
