// The subnet manager on a Store: read the network config, list leases, acquire ours (in a
// transaction, so two nodes never share a subnet) and renew it, as flannel's
// pkg/subnet/etcd LocalManager does.
import { pickSubnet } from './allocate';
import { type NetworkConfig, parseNetworkConfig } from './config';
import type { KV, Store } from './etcd';
import { decodeLeaseAttrs, encodeLeaseAttrs, type Lease, type LeaseAttrs, parseSubnetKey, subnetKey } from './lease';
import { formatNet4, type Net4 } from './net4';

/** flannel's subnetTTL */
export const SUBNET_TTL_SECONDS = 24 * 60 * 60;
/** flannel retries a lost creation race this many times (errTryAgain) */
const RACE_ATTEMPTS = 10;

/** A value at `key` the agent cannot use; `why` names the field. */
export class BadValueError extends Error {
  override readonly name = 'BadValueError';
  constructor(readonly key: string, why: string) { super(`${key}: ${why}`); }
}

export interface Acquired {
  lease: Lease;
  key: string;
  /** when the etcd lease runs out (ms since epoch); undefined for a reservation */
  expires: number | undefined;
  how: string;
}

export class Subnets {
  constructor(private readonly store: Store, readonly prefix: string, private readonly log: (line: string) => void) {}

  get configKey(): string { return `${this.prefix.replace(/\/+$/, '')}/config`; }
  get subnetsPrefix(): string { return `${this.prefix.replace(/\/+$/, '')}/subnets/`; }

  /** The network config; undefined when the key is absent; BadValueError naming the field. */
  async config(): Promise<NetworkConfig | undefined> {
    const text = await this.store.get(this.configKey);
    if (text === undefined) return undefined;
    try {
      return parseNetworkConfig(text);
    } catch (e) {
      throw new BadValueError(this.configKey, (e as Error).message);
    }
  }

  /** Parses one lease key/value; a value we cannot read is logged once per call and skipped. */
  parse(kv: KV): Lease | undefined {
    const subnet = parseSubnetKey(kv.key);
    if (!subnet) return undefined;
    try {
      return { subnet, attrs: decodeLeaseAttrs(kv.value), etcdLease: kv.lease };
    } catch (e) {
      this.log(`ignoring lease ${kv.key}: ${(e as Error).message}`);
      return undefined;
    }
  }

  async leases(): Promise<{ leases: Map<string, Lease>; revision: string }> {
    const { kvs, revision } = await this.store.list(this.subnetsPrefix);
    const leases = new Map<string, Lease>();
    for (const kv of kvs) {
      const l = this.parse(kv);
      if (l) leases.set(kv.key, l);
    }
    return { leases, revision };
  }

  /** tryAcquireLease, repeated while another node wins the race for the same subnet. */
  async acquire(cfg: NetworkConfig, attrs: LeaseAttrs, previous: Net4 | undefined): Promise<Acquired> {
    const value = encodeLeaseAttrs(attrs);
    for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
      const { leases } = await this.leases();
      const pick = pickSubnet(cfg, [...leases.values()], attrs.publicIP, previous);
      if (!pick) throw new Error(`out of subnets: every /${cfg.subnetLen} of ${formatNet4(cfg.network)} is leased`);
      if (pick.kind === 'stale') {
        const key = subnetKey(this.prefix, pick.lease.subnet);
        this.log(`lease ${key} for ${attrs.publicIP} does not fit the network config: deleting it`);
        await this.store.delete(key);
        continue;
      }
      if (pick.kind === 'reuse') {
        const key = subnetKey(this.prefix, pick.lease.subnet);
        // a reservation (no etcd lease) stays one, as in flannel
        const ttl = pick.lease.etcdLease === '0' ? 0 : SUBNET_TTL_SECONDS;
        await this.store.update(key, value, ttl);
        return { lease: { ...pick.lease, attrs }, key, expires: ttl ? Date.now() + ttl * 1000 : undefined, how: 'found the lease for this public IP' };
      }
      const key = subnetKey(this.prefix, pick.subnet);
      if (await this.store.create(key, value, SUBNET_TTL_SECONDS)) {
        return {
          lease: { subnet: pick.subnet, attrs, etcdLease: '' }, key, expires: Date.now() + SUBNET_TTL_SECONDS * 1000,
          how: pick.why === 'previous' ? 'reused the subnet of the previous run' : 'allocated a free subnet',
        };
      }
      this.log(`subnet ${formatNet4(pick.subnet)} was taken by another node meanwhile; picking again`);
    }
    throw new Error(`lost the race for a subnet ${RACE_ATTEMPTS} times`);
  }

  /** RenewLease: a fresh 24 h etcd lease under the same key. */
  async renew(a: Acquired): Promise<Acquired> {
    await this.store.update(a.key, encodeLeaseAttrs(a.lease.attrs), SUBNET_TTL_SECONDS);
    return { ...a, expires: Date.now() + SUBNET_TTL_SECONDS * 1000 };
  }
}
