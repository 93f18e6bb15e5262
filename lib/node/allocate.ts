// Which subnet a node asks for, in flannel's order (pkg/subnet/etcd/local_manager.go
// tryAcquireLease): the lease that already carries our PublicIP (a restart keeps its
// subnet), else the subnet of the previous run (subnet.env), else a random one among the
// first 100 free subnets between SubnetMin and SubnetMax. Pure: etcd's transaction decides
// whether the pick wins.
import type { NetworkConfig } from './config';
import type { Lease } from './lease';
import { containsIP4, equalNet4, type Net4, next4, overlaps4 } from './net4';

export type Pick =
  | { kind: 'reuse'; lease: Lease }
  /** our lease exists but no longer fits the config: delete it, then pick again */
  | { kind: 'stale'; lease: Lease }
  | { kind: 'new'; subnet: Net4; why: 'previous' | 'free' };

/** flannel's isSubnetConfigCompat: inside Network, of SubnetLen, within SubnetMin..SubnetMax. */
export function fitsConfig(cfg: NetworkConfig, sn: Net4): boolean {
  return sn.len === cfg.subnetLen && containsIP4(cfg.network, sn.ip) && sn.ip >= cfg.subnetMin && sn.ip <= cfg.subnetMax;
}

/** Up to `limit` free subnets from SubnetMin on, in order. */
export function freeSubnets(cfg: NetworkConfig, leases: readonly Lease[], limit = 100): Net4[] {
  const out: Net4[] = [];
  for (let sn: Net4 = { ip: cfg.subnetMin, len: cfg.subnetLen }; sn.ip <= cfg.subnetMax && out.length < limit; sn = next4(sn)) {
    if (!leases.some((l) => overlaps4(sn, l.subnet))) out.push(sn);
    if (next4(sn).ip < sn.ip) break; // wrapped past 255.255.255.255
  }
  return out;
}

export function pickSubnet(cfg: NetworkConfig, leases: readonly Lease[], publicIP: string, previous: Net4 | undefined,
  random: (n: number) => number = (n) => Math.floor(Math.random() * n)): Pick | undefined {
  const mine = leases.find((l) => l.attrs.publicIP === publicIP);
  if (mine) return fitsConfig(cfg, mine.subnet) ? { kind: 'reuse', lease: mine } : { kind: 'stale', lease: mine };
  if (previous && fitsConfig(cfg, previous) && !leases.some((l) => equalNet4(l.subnet, previous))) {
    return { kind: 'new', subnet: previous, why: 'previous' };
  }
  const free = freeSubnets(cfg, leases);
  if (free.length === 0) return undefined;
  return { kind: 'new', subnet: free[random(free.length)]!, why: 'free' };
}
