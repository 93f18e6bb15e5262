// iptables masquerade (pkg/ip/ipmasq_iptables_linux.go), batched. Per address family,
// first one optimistic `iptables-restore --noflush` written for the usual case (ADD: the
// chain does not exist yet; DEL: exactly what ADD made is there), which iptables applies
// atomically or not at all; when it is refused, one `iptables-save -t nat` to read and one
// restore of what must change. The reference forks `iptables` once per rule.
import { type IPFamily as Family, type IPPrefix, formatCIDR, ipFamily, mustParseCIDR, networkOf } from '../ip';
import { chainName, parseRuleComment, ruleComment } from './names';
import { type Attachment, defaultRunner, mustRun, NetfilterError, type NetfilterOptions, type Runner } from './run';
import { type SavedRule, type SavedTable, optionValue, parseSave, ruleLine, sameRule } from './xtsave';

const MULTICAST: Record<Family, string> = { 4: '224.0.0.0/4', 6: 'ff00::/8' };
const SAVE: Record<Family, string> = { 4: 'iptables-save', 6: 'ip6tables-save' };
const RESTORE: Record<Family, string> = { 4: 'iptables-restore', 6: 'ip6tables-restore' };

/**
 * The three rules the reference appends for one address, as iptables-save prints them
 * (glibc inet_ntop: lib/ip's 'inet_ntop' style; the host with its full-length prefix).
 */
export function masqRules(chain: string, comment: string, ip: IPPrefix): SavedRule[] {
  const c = ['-m', 'comment', '--comment', comment];
  return [
    { chain, args: ['-d', formatCIDR(networkOf(ip), 'inet_ntop'), ...c, '-j', 'ACCEPT'] },
    { chain, args: ['!', '-d', MULTICAST[ipFamily(ip.ip)], ...c, '-j', 'MASQUERADE'] },
    { chain: 'POSTROUTING', args: ['-s', formatCIDR({ ip: ip.ip, prefix: ip.ip.length * 8 }, 'inet_ntop'), ...c, '-j', chain] },
  ];
}

export async function readNat(runner: Runner, family: Family): Promise<SavedTable> {
  return parseSave(await mustRun(runner, SAVE[family], ['-t', 'nat']));
}

/**
 * Applies restore lines to the nat table atomically (one fork); no-op without lines. A refused
 * line is named in the error: iptables-restore only says "line N failed".
 */
export async function restoreNat(runner: Runner, family: Family, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  try {
    await mustRun(runner, RESTORE[family], ['--noflush', '--wait'], `*nat\n${lines.join('\n')}\nCOMMIT\n`);
  } catch (e) {
    const n = e instanceof NetfilterError ? /line (\d+) failed/.exec(e.stderr)?.[1] : undefined;
    const line = n === undefined ? undefined : lines[Number(n) - 2]; // line 1 is *nat
    if (e instanceof NetfilterError && line !== undefined) throw new NetfilterError(e.command, e.code, `${e.stderr.trim()} (${line})`);
    throw e;
  }
}
const restore = restoreNat;

/** iptables-save failed: the backend is unusable here (what the reference's SupportsIPTables probes). */
export class IPTablesUnusableError extends Error {
  constructor(readonly family: Family, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'IPTablesUnusableError';
  }
}

type Plan = (family: Family, t: SavedTable) => string[] | Promise<string[]>;
/** Restore lines for the usual state, that fail as a whole in any other (no read needed). */
type Guess = (family: Family) => string[];

/**
 * Reads every family (in parallel) before writing anything, then writes each family's plan
 * in one restore. A failed write (the table changed under us) is re-planned from a fresh
 * read once. Per family: one read + at most one write, unless retried. With
 * `tolerateUnusable` (teardown, GC) a family whose read fails is skipped, as the reference
 * ignores teardown errors when iptables is unusable.
 */
async function converge(runner: Runner, families: readonly Family[], plan: Plan, tolerateUnusable = false, guess?: Guess): Promise<Family[]> {
  const guessed: Family[] = [];
  if (guess) {
    await Promise.all(families.map(async (family) => {
      const lines = guess(family);
      if (lines.length > 0 && await restore(runner, family, lines).then(() => true, () => false)) guessed.push(family);
    }));
    families = families.filter((f) => !guessed.includes(f));
    if (families.length === 0) return guessed;
  }
  const reads = await Promise.allSettled(families.map((family) => readNat(runner, family)));
  const tables = reads.map((r, i) => {
    if (r.status === 'fulfilled') return r.value;
    if (tolerateUnusable) return undefined; // nothing of ours can be there to remove
    throw new IPTablesUnusableError(families[i] ?? 4, r.reason); // the first family's failure wins
  });
  await Promise.all(families.map(async (family, i) => {
    const table = tables[i];
    if (!table) return;
    try {
      await restore(runner, family, await plan(family, table));
    } catch {
      await restore(runner, family, await plan(family, await readNat(runner, family)));
    }
  }));
  return guessed;
}

/** "ip/prefix" (a bare ip: full length) by family; TypeError on an invalid one. */
function byFamily(ips: readonly string[]): Map<Family, IPPrefix[]> {
  const out = new Map<Family, IPPrefix[]>();
  for (const text of ips) {
    const c = mustParseCIDR(text, { bare: true });
    const family = ipFamily(c.ip);
    out.set(family, [...(out.get(family) ?? []), c]);
  }
  return out;
}

/** Restore lines that append what AppendUnique would append, in the reference's order. */
export function planSetup(t: SavedTable, chain: string, comment: string, ips: readonly IPPrefix[]): string[] {
  const lines: string[] = [];
  if (!t.chains.has(chain)) lines.push(`:${chain} - [0:0]`);
  const present = [...t.rules];
  for (const ip of ips) {
    for (const rule of masqRules(chain, comment, ip)) {
      if (present.some((r) => sameRule(r, rule))) continue;
      present.push(rule);
      lines.push(ruleLine('-A', rule));
    }
  }
  return lines;
}

/**
 * The usual ADD: the chain is new. `-N` (unlike `:chain`) fails on an existing chain, and
 * with it the whole restore, so an ADD repeated over existing rules takes the read path.
 */
export function guessSetup(chain: string, comment: string, ips: readonly IPPrefix[]): string[] {
  const lines = planSetup({ chains: new Set(), rules: [] }, chain, comment, ips);
  return lines.length === 0 ? [] : [`-N ${chain}`, ...lines.filter((l) => !l.startsWith(':'))];
}

/** The usual DEL: exactly the jumps ADD made; a missing or extra one makes -D or -X fail. */
export function guessTeardown(chain: string, comment: string, ips: readonly IPPrefix[]): string[] {
  if (ips.length === 0) return [];
  const jumps = ips.map((ip) => masqRules(chain, comment, ip)[2] as SavedRule);
  return [...jumps.map((r) => ruleLine('-D', r)), `-F ${chain}`, `-X ${chain}`];
}

/** Restore lines removing every POSTROUTING jump to `chain`, then the chain itself. */
export function planTeardown(t: SavedTable, chain: string): string[] {
  const jumps = t.rules.filter((r) => r.chain === 'POSTROUTING' && optionValue(r.args, '-j') === chain);
  const lines = jumps.map((r) => ruleLine('-D', r));
  if (t.chains.has(chain)) lines.push(`-F ${chain}`, `-X ${chain}`);
  return lines;
}

/** SetupIPMasq for every address (each family: 1 write, or 1 write + 1 read + 1 write). Idempotent. */
export async function setupIPTables(network: string, containerID: string, ips: readonly string[], opts: NetfilterOptions = {}): Promise<void> {
  const runner = opts.runner ?? defaultRunner;
  const chain = chainName(network, containerID);
  const comment = ruleComment(network, containerID);
  const groups = byFamily(ips);
  await converge(runner, [...groups.keys()].sort(), (family, t) => planSetup(t, chain, comment, groups.get(family) ?? []), false,
    (family) => guessSetup(chain, comment, groups.get(family) ?? []));
}

/**
 * TeardownIPMasq: deletes every POSTROUTING jump to the container's chain (the current
 * `-s <ip>` form, the legacy `-s <ip>/<prefix>` form, duplicates) and the chain. Absent
 * objects are fine. Families: those of `ips`; both when `ips` is empty (the reference then
 * leaks the chain). Returns whether anything was found.
 */
export async function teardownIPTables(network: string, containerID: string, ips: readonly string[], opts: NetfilterOptions = {}): Promise<boolean> {
  const runner = opts.runner ?? defaultRunner;
  const chain = chainName(network, containerID);
  const groups = byFamily(ips);
  const families: Family[] = ips.length === 0 ? [4, 6] : [...groups.keys()];
  const comment = ruleComment(network, containerID);
  let found = false;
  const guessed = await converge(runner, families, (_family, t) => {
    const lines = planTeardown(t, chain);
    if (lines.length > 0) found = true;
    return lines;
  }, true, opts.optimistic === false ? undefined : (family) => guessTeardown(chain, comment, groups.get(family) ?? []));
  return found || guessed.length > 0;
}

/** Chains of `network` (by comment, hash-verified) whose container is not in `keep`. */
export async function staleChains(t: SavedTable, network: string, keep: ReadonlySet<string>): Promise<string[]> {
  const owners = new Map<string, string>();
  for (const r of t.rules) {
    const comment = optionValue(r.args, '--comment');
    const parsed = comment === undefined ? undefined : parseRuleComment(comment);
    if (!parsed || parsed.network !== network) continue;
    const owned = r.chain === 'POSTROUTING' ? optionValue(r.args, '-j') : r.chain;
    if (owned && t.chains.has(owned)) owners.set(owned, parsed.containerID);
  }
  const stale: string[] = [];
  for (const [chain, cid] of owners) {
    if (!keep.has(cid) && chain === chainName(network, cid)) stale.push(chain);
  }
  return stale;
}

/**
 * GC (beyond the reference, which has none for iptables): removes the chains and jumps of
 * `network` whose container is not among `valid` (iptables ignores ifname). Both families.
 */
export async function gcIPTables(network: string, valid: readonly Attachment[], opts: NetfilterOptions = {}): Promise<string[]> {
  const runner = opts.runner ?? defaultRunner;
  const keep = new Set(valid.map((a) => a.containerID));
  const removed = new Map<Family, string[]>();
  await converge(runner, [4, 6], async (family, t) => {
    const stale = await staleChains(t, network, keep);
    removed.set(family, stale);
    return stale.flatMap((chain) => planTeardown(t, chain));
  }, true);
  return [...removed].sort((a, b) => a[0] - b[0]).flatMap(([family, chains]) => chains.map((c) => `${family === 4 ? 'iptables' : 'ip6tables'} nat ${c}`));
}

/** CHECK: every rule setup would create is present (one read per family). Throws listing what is missing. */
export async function checkIPTables(network: string, containerID: string, ips: readonly string[], opts: NetfilterOptions = {}): Promise<void> {
  const runner = opts.runner ?? defaultRunner;
  const chain = chainName(network, containerID);
  const comment = ruleComment(network, containerID);
  const missing: string[] = [];
  await Promise.all([...byFamily(ips)].map(async ([family, cidrs]) => {
    const t = await readNat(runner, family).catch((e: unknown) => { throw new IPTablesUnusableError(family, e); });
    const bin = family === 4 ? 'iptables' : 'ip6tables';
    if (!t.chains.has(chain)) { missing.push(`${bin}: chain nat/${chain} not found`); return; }
    for (const ip of cidrs) {
      for (const rule of masqRules(chain, comment, ip)) {
        if (!t.rules.some((r) => sameRule(r, rule))) missing.push(`${bin}: rule not found: ${ruleLine('-A', rule)}`);
      }
    }
  }));
  if (missing.length > 0) throw new Error(`ipMasq check failed: ${missing.join('; ')}`);
}
