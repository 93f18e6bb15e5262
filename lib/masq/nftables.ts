// nftables masquerade (pkg/ip/ipmasq_nftables_linux.go): table inet cni_plugins_masquerade,
// regular chain masq_checks with one commented rule per address, base chain postrouting.
// Each verb: one `nft -j list chain ...` read + at most one `nft -f -` transaction. (The
// reference also runs `nft --version` and `nft --check` in knftables.New on every call.)
import { type IPPrefix, formatCIDR, formatIP, ipFamily, mustParseCIDR, networkOf } from '../ip';
import { goQuote, nftInstanceHash, nftNetworkHash, nftRuleComment } from './names';
import { type Json, type NftListing, type NftRule, nftApply, nftList, sameExpr } from './nftjson';
import { type Attachment, defaultRunner, type NetfilterOptions, NetfilterError, type Runner } from './run';

export const MASQ_TABLE = 'cni_plugins_masquerade';
export const MASQ_CHAIN = 'masq_checks';
const T = `inet ${MASQ_TABLE}`;
const TABLE_COMMENT = 'Masquerading for plugins from github.com/containernetworking/plugins';
const CHAIN_COMMENT = 'Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet';

// Addresses print as nft prints them (glibc inet_ntop: lib/ip's 'inet_ntop' style).
const parse = (text: string): IPPrefix => mustParseCIDR(text, { bare: true });
const proto = (ip: IPPrefix): 'ip' | 'ip6' => (ipFamily(ip.ip) === 4 ? 'ip' : 'ip6');

/** Rule text as knftables.Concat builds it in the reference. */
export function masqRuleText(ip: IPPrefix): string {
  const p = proto(ip);
  return `${p} saddr == ${formatIP(ip.ip, 'inet_ntop')} ${p} daddr != ${formatCIDR(networkOf(ip), 'inet_ntop')} masquerade`;
}

/** The expression nft lists for masqRuleText (for CHECK). */
export function masqRuleExpr(ip: IPPrefix): Json[] {
  const p = proto(ip);
  const addr = formatIP(networkOf(ip).ip, 'inet_ntop');
  return [
    { match: { op: '==', left: { payload: { protocol: p, field: 'saddr' } }, right: formatIP(ip.ip, 'inet_ntop') } },
    { match: { op: '!=', left: { payload: { protocol: p, field: 'daddr' } }, right: { prefix: { addr, len: ip.prefix } } } },
    { masquerade: null },
  ];
}

/**
 * Rules of masq_checks; undefined when the table/chain does not exist, or, with
 * `tolerateUnusable` (teardown, GC), when nft cannot list at all (the reference ignores
 * those errors when nftables is unusable).
 */
export async function readMasqRules(runner: Runner, tolerateUnusable = false): Promise<NftRule[] | undefined> {
  try {
    const listing = await nftList(runner, ['chain', 'inet', MASQ_TABLE, MASQ_CHAIN]);
    return listing?.rules.filter((r) => r.chain === MASQ_CHAIN);
  } catch (e) {
    if (tolerateUnusable) return undefined;
    throw e;
  }
}

const withPrefix = (rules: readonly NftRule[] | undefined, prefix: string): NftRule[] =>
  (rules ?? []).filter((r) => r.comment !== undefined && r.comment.startsWith(prefix));

const deleteLine = (r: NftRule): string => `delete rule ${T} ${MASQ_CHAIN} handle ${r.handle}`;

/** The reference's setup transaction (object comments can be left out for old kernels). */
export function setupScript(stale: readonly NftRule[], ips: readonly IPPrefix[], comment: string, objectComments = true): string {
  const tc = objectComments ? ` { comment ${goQuote(TABLE_COMMENT)} ; }` : '';
  const cc = objectComments ? ` { comment ${goQuote(CHAIN_COMMENT)} ; }` : '';
  return [
    `add table ${T}${tc}`,
    `add chain ${T} ${MASQ_CHAIN}${cc}`,
    `add chain ${T} postrouting { type nat hook postrouting priority 100 ; }`,
    `flush chain ${T} postrouting`,
    `add rule ${T} postrouting ip daddr == 224.0.0.0/4  return`,
    `add rule ${T} postrouting ip6 daddr == ff00::/8  return`,
    `add rule ${T} postrouting goto ${MASQ_CHAIN}`,
    ...stale.map(deleteLine),
    ...ips.map((ip) => `add rule ${T} ${MASQ_CHAIN} ${masqRuleText(ip)} comment ${goQuote(comment)}`),
    '',
  ].join('\n');
}

/** setupIPMasqNFTables: replaces this attachment's rules; idempotent. 2 forks. */
export async function setupNFTables(network: string, ifname: string, containerID: string, ips: readonly string[], opts: NetfilterOptions = {}): Promise<void> {
  const runner = opts.runner ?? defaultRunner;
  const cidrs = ips.map(parse);
  const comment = nftRuleComment(network, ifname, containerID);
  const stale = withPrefix(await readMasqRules(runner), nftInstanceHash(network, ifname, containerID));
  try {
    await nftApply(runner, setupScript(stale, cidrs, comment));
  } catch (e) {
    // knftables drops table/chain comments when the kernel lacks them; we find out by failing.
    if (!(e instanceof NetfilterError) || !/comment/i.test(e.stderr)) throw e;
    await nftApply(runner, setupScript(stale, cidrs, comment, false));
  }
}

async function deleteRules(runner: Runner, rules: readonly NftRule[]): Promise<void> {
  if (rules.length > 0) await nftApply(runner, `${rules.map(deleteLine).join('\n')}\n`);
}

/** teardownIPMasqNFTables: deletes the attachment's rules by comment prefix. Returns whether the chain existed. */
export async function teardownNFTables(network: string, ifname: string, containerID: string, opts: NetfilterOptions = {}): Promise<boolean> {
  const runner = opts.runner ?? defaultRunner;
  const rules = await readMasqRules(runner, true);
  await deleteRules(runner, withPrefix(rules, nftInstanceHash(network, ifname, containerID)));
  return rules !== undefined;
}

/** gcIPMasqNFTables: deletes rules of `network` whose comment is not that of a valid attachment. */
export async function gcNFTables(network: string, valid: readonly Attachment[], opts: NetfilterOptions = {}): Promise<string[]> {
  const runner = opts.runner ?? defaultRunner;
  const rules = withPrefix(await readMasqRules(runner, true), nftNetworkHash(network));
  if (rules.length === 0) return [];
  const keep = new Set(valid.map((a) => nftRuleComment(network, a.ifname, a.containerID)));
  const stale = rules.filter((r) => !keep.has(r.comment ?? ''));
  await deleteRules(runner, stale);
  return stale.map((r) => `nft ${T} ${MASQ_CHAIN} handle ${r.handle}: ${r.comment ?? ''}`);
}

function postroutingProblems(l: NftListing): string[] {
  const base = l.chains.find((c) => c.name === 'postrouting');
  if (!base) return [`nft: chain ${T} postrouting not found`];
  const out: string[] = [];
  if (base.type !== 'nat' || base.hook !== 'postrouting' || base.prio !== 100) out.push(`nft: chain ${T} postrouting is not a srcnat hook`);
  const goto: Json[] = [{ goto: { target: MASQ_CHAIN } }];
  if (!l.rules.some((r) => r.chain === 'postrouting' && sameExpr(r.expr, goto))) out.push(`nft: postrouting has no goto ${MASQ_CHAIN}`);
  return out;
}

/** CHECK: table, base chain and one rule per address with this attachment's comment. 1 fork. */
export async function checkNFTables(network: string, ifname: string, containerID: string, ips: readonly string[], opts: NetfilterOptions = {}): Promise<void> {
  const runner = opts.runner ?? defaultRunner;
  const listing = await nftList(runner, ['table', 'inet', MASQ_TABLE]);
  if (!listing) throw new Error(`ipMasq check failed: nft table ${T} not found`);
  const comment = nftRuleComment(network, ifname, containerID);
  const mine = listing.rules.filter((r) => r.chain === MASQ_CHAIN && r.comment === comment);
  const missing = postroutingProblems(listing);
  for (const ip of ips.map(parse)) {
    if (!mine.some((r) => sameExpr(r.expr, masqRuleExpr(ip)))) missing.push(`nft: rule not found: ${masqRuleText(ip)} comment "${comment}"`);
  }
  if (missing.length > 0) throw new Error(`ipMasq check failed: ${missing.join('; ')}`);
}
