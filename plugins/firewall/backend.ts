// Which backend serves a config, and the host addresses by family.
import type { FirewallConf } from './config';
import { firewalldRunning, requireFirewalld } from './firewalld';
import { type Family, familyOf } from './iptables';

export type Backend = 'iptables' | 'firewalld';

/** getBackend: the configured one (firewalld must answer); none: firewalld when it runs, else iptables. */
export async function chooseBackend(conf: FirewallConf, opts: { lenient?: boolean } = {}): Promise<Backend> {
  if (conf.backend === 'iptables') return 'iptables';
  if (conf.backend === 'firewalld') {
    if (!opts.lenient) await requireFirewalld();
    return 'firewalld';
  }
  return (await firewalldRunning()) ? 'firewalld' : 'iptables';
}

export function byFamily(hosts: readonly string[]): Map<Family, string[]> {
  const out = new Map<Family, string[]>();
  for (const h of hosts) out.set(familyOf(h), [...(out.get(familyOf(h)) ?? []), h]);
  return out;
}

/** Awaits every job, then rethrows the first failure (so an undo never races a write). */
export async function all(jobs: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(jobs)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
