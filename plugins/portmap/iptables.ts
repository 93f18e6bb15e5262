// The iptables backend: the reference's chains (./rules.ts) written with one optimistic
// `iptables-restore --noflush` per address family, which the kernel applies atomically or not
// at all. The guess is the usual state (ADD: the shared chains are there, the container's
// chain is not; DEL: exactly what ADD made is there); when it is refused, one iptables-save
// and one restore of what must change. The reference forks `iptables` two or three times per rule.
import type { IPFamily } from '../../lib/ip';
import { IPTablesUnusableError, readNat, restoreNat } from '../../lib/masq/iptables';
import { defaultRunner, type Runner } from '../../lib/masq/run';
import { optionValue, ruleLine, type SavedRule, type SavedTable, sameRule } from '../../lib/masq/xtsave';
import type { PortMapConf } from './config';
import { chainRules, dnatChainName, entryRules, oldSnatChainName, sharedChains, sharedRules } from './rules';

const families = (conf: PortMapConf): IPFamily[] => ([4, 6] as const).filter((f) => conf.addrs[f]);
const check = (r: SavedRule): string => ruleLine('-A', r).replace(/^-A/, '-C');

/** The guess, then (if refused) read + plan + write, re-planned once if the table changed in between. */
async function converge(runner: Runner, family: IPFamily, guess: string[], plan: (t: SavedTable) => string[], tolerateUnusable = false): Promise<void> {
  if (guess.length > 0 && await restoreNat(runner, family, guess).then(() => true, () => false)) return;
  for (let attempt = 0; ; attempt++) {
    let table: SavedTable;
    try {
      table = await readNat(runner, family);
    } catch (e) {
      if (tolerateUnusable) return; // no ip6tables here: nothing of ours can be there either
      throw new IPTablesUnusableError(family, e);
    }
    try {
      return await restoreNat(runner, family, plan(table));
    } catch (e) {
      if (attempt > 0) throw e;
    }
  }
}

/** forwardPorts for every address family of the container. */
export async function forwardIPTables(conf: PortMapConf, runner: Runner = defaultRunner): Promise<void> {
  const chain = dnatChainName(conf.name, conf.containerID);
  await Promise.all(families(conf).map((family) => {
    const addr = conf.addrs[family];
    if (!addr) return undefined;
    const shared = sharedRules(conf);
    const rules = chainRules(conf, family, chain, addr);
    const entries = entryRules(conf, family, chain);
    const append = [...rules, ...entries].map((r) => ruleLine('-A', r));
    const guess = [...shared.map(({ rule }) => check(rule)), `-N ${chain}`, ...append];
    return converge(runner, family, guess, (t) => {
      const lines = sharedChains(conf).filter((c) => !t.chains.has(c)).map((c) => `-N ${c}`);
      for (const { rule, prepend } of shared) {
        if (t.rules.some((r) => sameRule(r, rule))) continue;
        lines.push(prepend ? ruleLine('-A', rule).replace(/^-A (\S+)/, '-I $1 1') : ruleLine('-A', rule));
      }
      // a chain left by an earlier ADD of this container is replaced, not merged into
      lines.push(...jumpsTo(t, chain).map((r) => ruleLine('-D', r)), t.chains.has(chain) ? `-F ${chain}` : `-N ${chain}`);
      return [...lines, ...append];
    });
  }));
}

/** Every rule of the table that jumps to `chain` (whatever its matches: conditions may have changed since ADD). */
const jumpsTo = (t: SavedTable, chain: string): SavedRule[] => t.rules.filter((r) => optionValue(r.args, '-j') === chain);

/**
 * unforwardPorts: both families (the container's may be unknown), the container's chain and
 * every jump to it, and the CNI-SN- chain of old versions. The guess for a family the
 * container has is what ADD made; for another, that neither chain exists (-N then -X: fails
 * as a whole when one does). A family whose iptables is unusable is skipped.
 */
export async function unforwardIPTables(conf: PortMapConf, runner: Runner = defaultRunner): Promise<void> {
  const chain = dnatChainName(conf.name, conf.containerID);
  const old = oldSnatChainName(conf.name, conf.containerID);
  const known = conf.prevResult !== undefined;
  await Promise.all(([4, 6] as const).map((family) => {
    const absent = [`-N ${old}`, `-X ${old}`];
    const guess = known && !conf.addrs[family]
      ? [`-N ${chain}`, `-X ${chain}`, ...absent]
      : [...entryRules(conf, family, chain).map((r) => ruleLine('-D', r)), `-F ${chain}`, `-X ${chain}`, ...absent];
    return converge(runner, family, guess, (t) => [chain, old].flatMap((c) => [
      ...jumpsTo(t, c).map((r) => ruleLine('-D', r)),
      ...(t.chains.has(c) ? [`-F ${c}`, `-X ${c}`] : []),
    ]), true);
  }));

}

/**
 * CHECK, per family of the container: one restore of `-C` lines only (changes nothing; fails at
 * the first missing rule, which the error names): the container's chain and its jumps, the
 * shared chains and the hooks into them. The reference checks the container's chain only, and
 * v1.1.1 checks IPv6 rules for IPv4 containers, so it fails for them.
 */
export async function checkIPTables(conf: PortMapConf, runner: Runner = defaultRunner): Promise<void> {
  const chain = dnatChainName(conf.name, conf.containerID);
  await Promise.all(families(conf).map(async (family) => {
    const addr = conf.addrs[family];
    if (!addr) return;
    const lines = [...chainRules(conf, family, chain, addr), ...entryRules(conf, family, chain), ...sharedRules(conf).map((s) => s.rule)].map(check);
    try {
      await restoreNat(runner, family, lines);
    } catch (e) {
      throw new Error(`portmap: IPv${family} rule missing: ${(e as Error).message}`);
    }
  }));
}
