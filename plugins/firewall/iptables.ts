// The reference's filter-table rules (firewall iptables.go, ingresspolicy.go), written with
// one iptables-restore per address family instead of one iptables exec per check and change:
// ADD reads the table (iptables-save) and writes what is missing in one atomic restore; DEL
// first tries the exact deletions alone (one fork when ADD's rules are there); CHECK reads.
import { defaultRunner, mustRun, type Runner } from '../../lib/masq/run';
import { parseSave, quoteArg, type SavedRule, type SavedTable, sameRule } from '../../lib/masq/xtsave';

export type Family = 4 | 6;
const SAVE: Record<Family, string> = { 4: 'iptables-save', 6: 'ip6tables-save' };
const RESTORE: Record<Family, string> = { 4: 'iptables-restore', 6: 'ip6tables-restore' };

export const FORWARD_CHAIN = 'CNI-FORWARD';
export const STAGE1 = 'CNI-ISOLATION-STAGE-1';
export const STAGE2 = 'CNI-ISOLATION-STAGE-2';
const comment = (text: string): string[] => ['-m', 'comment', '--comment', text];
const DEFAULT_COMMENT = comment('CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)');

/** One step of the reference, in iptables-save's argument order (matches first, target last). */
export interface Step {
  kind: 'chain' | 'first' | 'last' | 'delete';
  rule: SavedRule;
}

const chain = (name: string): Step => ({ kind: 'chain', rule: { chain: name, args: [] } });

/** CNI-FORWARD and the admin chain, their jumps first in FORWARD and CNI-FORWARD, then each host's two rules. */
export function forwardSteps(adminChain: string, hosts: readonly string[]): Step[] {
  if (hosts.length === 0) return [];
  return [
    chain(FORWARD_CHAIN), chain(adminChain),
    { kind: 'first', rule: { chain: 'FORWARD', args: [...comment('CNI firewall plugin rules'), '-j', FORWARD_CHAIN] } },
    { kind: 'first', rule: { chain: FORWARD_CHAIN, args: [...comment('CNI firewall plugin admin overrides'), '-j', adminChain] } },
    ...hostRules(hosts).map((rule): Step => ({ kind: 'last', rule })),
  ];
}

/** getPrivChainRules for each host. */
export function hostRules(hosts: readonly string[]): SavedRule[] {
  return hosts.flatMap((h) => [
    { chain: FORWARD_CHAIN, args: ['-d', h, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] },
    { chain: FORWARD_CHAIN, args: ['-s', h, '-j', 'ACCEPT'] },
  ]);
}

/** setupIsolationChains: traffic leaving `bridge` for another interface (and, isolated, for itself) is dropped. */
export function isolationSteps(bridge: string, isolated: boolean): Step[] {
  const policy = comment(`CNI firewall plugin rules (ingressPolicy: ${isolated ? 'isolated' : 'same-bridge'})`);
  const steps: Step[] = [
    chain(STAGE1), chain(STAGE2),
    { kind: 'first', rule: { chain: 'FORWARD', args: [...DEFAULT_COMMENT, '-j', STAGE1] } },
    { kind: 'first', rule: { chain: STAGE1, args: ['-i', bridge, '!', '-o', bridge, ...policy, '-j', STAGE2] } },
  ];
  if (isolated) steps.push({ kind: 'first', rule: { chain: STAGE1, args: ['-i', bridge, '-o', bridge, ...policy, '-j', 'DROP'] } });
  steps.push(
    { kind: 'last', rule: { chain: STAGE1, args: [...DEFAULT_COMMENT, '-j', 'RETURN'] } },
    { kind: 'first', rule: { chain: STAGE2, args: ['-o', bridge, ...DEFAULT_COMMENT, '-j', 'DROP'] } },
    { kind: 'last', rule: { chain: STAGE2, args: [...DEFAULT_COMMENT, '-j', 'RETURN'] } },
  );
  return steps;
}

const line = (verb: string, rule: SavedRule, ...pos: string[]): string => [verb, rule.chain, ...pos, ...rule.args].map(quoteArg).join(' ');

/** Restore lines doing what the steps would do, one after the other, to the table as read. */
export function plan(t: SavedTable, steps: readonly Step[]): string[] {
  const chains = new Set(t.chains);
  const rules = [...t.rules];
  const lines: string[] = [];
  for (const { kind, rule } of steps) {
    if (kind === 'chain') {
      if (!chains.has(rule.chain)) lines.push(`-N ${quoteArg(rule.chain)}`);
      chains.add(rule.chain);
      continue;
    }
    const i = rules.findIndex((r) => sameRule(r, rule));
    if (kind === 'delete') {
      if (i >= 0) { lines.push(line('-D', rule)); rules.splice(i, 1); }
      continue;
    }
    if (i >= 0) continue;
    lines.push(kind === 'first' ? line('-I', rule, '1') : line('-A', rule));
    rules.push(rule);
  }
  return lines;
}

export async function readFilter(family: Family, runner: Runner = defaultRunner): Promise<SavedTable> {
  return parseSave(await mustRun(runner, SAVE[family], ['-t', 'filter']), 'filter');
}

export async function restore(family: Family, lines: readonly string[], runner: Runner = defaultRunner): Promise<void> {
  if (lines.length === 0) return;
  await mustRun(runner, RESTORE[family], ['--noflush', '--wait'], `*filter\n${lines.join('\n')}\nCOMMIT\n`);
}

/** Read, plan, write; a write refused because the table changed meanwhile is planned again from a fresh read, once. */
export async function apply(family: Family, steps: readonly Step[], runner: Runner = defaultRunner): Promise<void> {
  if (steps.length === 0) return;
  try {
    await restore(family, plan(await readFilter(family, runner), steps), runner);
  } catch {
    await restore(family, plan(await readFilter(family, runner), steps), runner);
  }
}

/** DEL: the host rules' exact deletions in one restore (ADD's usual state), else read and delete what is there. */
export async function removeHosts(family: Family, hosts: readonly string[], runner: Runner = defaultRunner): Promise<void> {
  const rules = hostRules(hosts);
  if (rules.length === 0) return;
  const guessed = await restore(family, rules.map((r) => line('-D', r)), runner).then(() => true, () => false);
  if (!guessed) await apply(family, rules.map((rule): Step => ({ kind: 'delete', rule })), runner);
}

/** CHECK (checkRules): chains, both jumps and every host rule; the first missing one, as the reference words it. */
export async function missing(family: Family, adminChain: string, hosts: readonly string[], runner: Runner = defaultRunner): Promise<string | undefined> {
  if (hosts.length === 0) return undefined;
  const t = await readFilter(family, runner);
  for (const c of [FORWARD_CHAIN, adminChain]) if (!t.chains.has(c)) return `chain ${c} not found`;
  const [jump, admin, ...own] = forwardSteps(adminChain, hosts).filter((s) => s.kind !== 'chain').map((s) => s.rule);
  const words = (r: SavedRule): string => `[${r.args.join(' ')}]`;
  if (jump && !t.rules.some((r) => sameRule(r, jump))) return `expected FORWARD rule ${words(jump)} not found`;
  if (admin && !t.rules.some((r) => sameRule(r, admin))) return `expected ${FORWARD_CHAIN} rule ${words(admin)} not found`;
  for (const rule of own) if (!t.rules.some((r) => sameRule(r, rule))) return `expected rule ${words(rule)} not found`;
  return undefined;
}

export const familyOf = (host: string): Family => (host.includes(':') ? 6 : 4);
