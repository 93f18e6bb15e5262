// flannel's traffic rules (pkg/trafficmngr/iptables): with -ip-masq, nat FLANNEL-POSTRTG
// masquerades pod traffic leaving the cluster network and none between pods; with
// -iptables-forward-rules (default), filter FLANNEL-FWD accepts forwarding to and from
// the cluster network. Same chains, rules and comments as flanneld, so one replaces the
// other on a node. Kept by one read (iptables-save per table) and, when anything differs,
// one iptables-restore that rewrites our chains and adds a missing jump.
import { mustRun, type Runner } from '../masq/run';
import { parseSave, ruleLine, type SavedRule, type SavedTable } from '../masq/xtsave';

/** kube-proxy's masquerade mark: flannel leaves those packets to kube-proxy */
const KUBE_PROXY_MARK = '0x4000/0x4000';

const masq = (args: string[]): SavedRule => ({ chain: 'FLANNEL-POSTRTG', args: [...args, '-m', 'comment', '--comment', 'flanneld masq'] });

/** The rules in iptables-save's order of options, so a read compares equal to what we wrote. */
export function masqRules(network: string, podSubnet: string, randomFully: boolean): SavedRule[] {
  const m = (args: string[]): SavedRule => {
    const r = masq(args.slice(0, -2));
    r.args.push(...args.slice(-2));
    if (randomFully && args[args.length - 1] === 'MASQUERADE') r.args.push('--random-fully');
    return r;
  };
  return [
    { chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'flanneld masq', '-j', 'FLANNEL-POSTRTG'] },
    { chain: 'FLANNEL-POSTRTG', args: ['-m', 'mark', '--mark', KUBE_PROXY_MARK, '-m', 'comment', '--comment', 'flanneld masq', '-j', 'RETURN'] },
    // no NAT inside the overlay
    m(['-s', podSubnet, '-d', network, '-j', 'RETURN']),
    m(['-s', network, '-d', podSubnet, '-j', 'RETURN']),
    // external traffic to our pods keeps its source
    m(['!', '-s', network, '-d', podSubnet, '-j', 'RETURN']),
    // pods to the outside world, except multicast
    m(['-s', network, '!', '-d', '224.0.0.0/4', '-j', 'MASQUERADE']),
    // the host to pods on other nodes
    m(['!', '-s', network, '-d', network, '-j', 'MASQUERADE']),
  ];
}

export function forwardRules(network: string): SavedRule[] {
  const c = ['-m', 'comment', '--comment', 'flanneld forward'];
  return [
    { chain: 'FORWARD', args: [...c, '-j', 'FLANNEL-FWD'] },
    { chain: 'FLANNEL-FWD', args: ['-s', network, ...c, '-j', 'ACCEPT'] },
    { chain: 'FLANNEL-FWD', args: ['-d', network, ...c, '-j', 'ACCEPT'] },
  ];
}

const same = (a: SavedRule, b: SavedRule): boolean => a.chain === b.chain && a.args.length === b.args.length && a.args.every((x, i) => x === b.args[i]);

/**
 * Restore lines making `table` hold `rules`: our chain (the one that is not builtin) is
 * declared, which flushes it under --noflush, and refilled; a builtin chain's jump is
 * appended only when missing. Empty when the table already matches.
 */
export function planTable(table: string, saved: SavedTable, rules: readonly SavedRule[], builtin: string): string[] {
  const own = rules.filter((r) => r.chain !== builtin);
  const chain = own[0]?.chain ?? '';
  const jumps = rules.filter((r) => r.chain === builtin);
  const current = saved.rules.filter((r) => r.chain === chain);
  const chainOk = saved.chains.has(chain) && current.length === own.length && own.every((r, i) => same(r, current[i]!));
  const missingJumps = jumps.filter((j) => !saved.rules.some((r) => same(r, j)));
  if (chainOk && missingJumps.length === 0) return [];
  return [`*${table}`, `:${chain} - [0:0]`, ...own.map((r) => ruleLine('-A', r)), ...missingJumps.map((r) => ruleLine('-A', r)), 'COMMIT'];
}

export interface TrafficRules {
  network: string;
  podSubnet: string;
  ipMasq: boolean;
  randomFully: boolean;
  forward: boolean;
}

/** Makes the kernel hold flannel's rules; returns true when it had to write. */
export async function ensureTrafficRules(runner: Runner, t: TrafficRules): Promise<boolean> {
  const lines: string[] = [];
  if (t.ipMasq) {
    const saved = parseSave(await mustRun(runner, 'iptables-save', ['-t', 'nat']), 'nat');
    lines.push(...planTable('nat', saved, masqRules(t.network, t.podSubnet, t.randomFully), 'POSTROUTING'));
  }
  if (t.forward) {
    const saved = parseSave(await mustRun(runner, 'iptables-save', ['-t', 'filter']), 'filter');
    lines.push(...planTable('filter', saved, forwardRules(t.network), 'FORWARD'));
  }
  if (lines.length === 0) return false;
  await mustRun(runner, 'iptables-restore', ['--noflush', '--wait'], `${lines.join('\n')}\n`);
  return true;
}

/** The traffic rules for both agent modes as the flags ask; failures are logged (the next reconcile retries). */
export async function keepTrafficRules(
  runner: Runner, o: { ipMasq: boolean; ipMasqRandomFullyDisable: boolean; iptablesForwardRules: boolean },
  network: string, podSubnet: string, log: (line: string) => void,
): Promise<void> {
  if (!o.ipMasq && !o.iptablesForwardRules) return;
  try {
    const wrote = await ensureTrafficRules(runner, { network, podSubnet, ipMasq: o.ipMasq, randomFully: !o.ipMasqRandomFullyDisable, forward: o.iptablesForwardRules });
    if (wrote) log('iptables: flannel rules (re)installed');
  } catch (e) {
    log(`iptables: ${(e as Error).message}`);
  }
}
