// Bridge MAC spoof check (pkg/link/spoofcheck.go): table bridge nat, base chain PREROUTING
// (filter hook prerouting priority -300, policy accept) with `iifname <hostveth> jump
// cni-br-iface-<cid>-<ifname>`; that chain jumps to `...-mac`, which returns for the
// container's MAC and drops the rest. Every rule is commented `macspoofchk-<cid>-<ifname>`.
// The reference applies two JSON transactions on setup and up to three nft runs on
// teardown; we apply one on setup and read + one on teardown.
import { spoofComment, spoofIfaceChain, spoofMacChain } from './names';
import { type Json, type NftListing, nftApply, nftList, sameExpr } from './nftjson';
import { defaultRunner, type NetfilterOptions } from './run';

const FAMILY = 'bridge';
const TABLE = 'nat';
const BASE = 'PREROUTING';

const chainRef = (name: string): Json => ({ family: FAMILY, table: TABLE, name });

/** The four rules, as [chain, expr] in the reference's order. */
export function spoofRules(hostIface: string, mac: string, containerID: string, ifname: string): [string, Json[]][] {
  const iface = spoofIfaceChain(containerID, ifname);
  const macChain = spoofMacChain(containerID, ifname);
  return [
    [BASE, [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: hostIface } }, { jump: { target: iface } }]],
    [iface, [{ jump: { target: macChain } }]],
    [macChain, [
      { match: { op: '==', left: { payload: { protocol: 'ether', field: 'saddr' } }, right: mac.toLowerCase() } },
      { return: null },
    ]],
    [macChain, [{ drop: null }]],
  ];
}

/** The reference's two transactions merged into one `nft -j -f -` document. */
export function spoofSetupDocument(hostIface: string, mac: string, containerID: string, ifname: string): string {
  const iface = spoofIfaceChain(containerID, ifname);
  const macChain = spoofMacChain(containerID, ifname);
  const comment = spoofComment(containerID, ifname);
  const cmds: Json[] = [
    { add: { table: { family: FAMILY, name: TABLE } } },
    { add: { chain: { family: FAMILY, table: TABLE, name: BASE, type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' } } },
    { add: { chain: chainRef(iface) } },
    { add: { chain: chainRef(macChain) } },
    { flush: { chain: chainRef(iface) } },
    { flush: { chain: chainRef(macChain) } },
    ...spoofRules(hostIface, mac, containerID, ifname).map(([chain, expr]): Json =>
      ({ add: { rule: { family: FAMILY, table: TABLE, chain, expr, comment } } })),
  ];
  return JSON.stringify({ nftables: cmds });
}

/**
 * SpoofChecker.Setup in one transaction (1 fork). Like the reference it does not read first,
 * so a repeated setup adds a second, identical PREROUTING jump; teardown removes all of them.
 */
export async function setupSpoofCheck(hostIface: string, mac: string, containerID: string, ifname: string, opts: NetfilterOptions = {}): Promise<void> {
  await nftApply(opts.runner ?? defaultRunner, spoofSetupDocument(hostIface, mac, containerID, ifname), true);
}

const readTable = (opts: NetfilterOptions): Promise<NftListing | undefined> =>
  nftList(opts.runner ?? defaultRunner, ['table', FAMILY, TABLE]);

/**
 * SpoofChecker.Teardown: deletes the PREROUTING rules carrying this attachment's comment and
 * both per-interface chains. Absent objects are fine. 1 read + at most 1 transaction.
 */
export async function teardownSpoofCheck(containerID: string, ifname: string, opts: NetfilterOptions = {}): Promise<boolean> {
  const listing = await readTable(opts);
  if (!listing) return false;
  const comment = spoofComment(containerID, ifname);
  const chains = new Set(listing.chains.map((c) => c.name));
  const cmds: Json[] = listing.rules
    .filter((r) => r.chain === BASE && r.comment === comment)
    .map((r) => ({ delete: { rule: { family: FAMILY, table: TABLE, chain: BASE, handle: r.handle } } }));
  for (const name of [spoofIfaceChain(containerID, ifname), spoofMacChain(containerID, ifname)]) {
    if (chains.has(name)) cmds.push({ delete: { chain: chainRef(name) } });
  }
  if (cmds.length === 0) return false;
  await nftApply(opts.runner ?? defaultRunner, JSON.stringify({ nftables: cmds }), true);
  return true;
}

/** CHECK (the reference has none): base chain, the four rules with their comment. 1 fork. */
export async function checkSpoofCheck(hostIface: string, mac: string, containerID: string, ifname: string, opts: NetfilterOptions = {}): Promise<void> {
  const listing = await readTable(opts);
  if (!listing) throw new Error(`macspoofchk check failed: nft table ${FAMILY} ${TABLE} not found`);
  const problems: string[] = [];
  const base = listing.chains.find((c) => c.name === BASE);
  if (!base || base.type !== 'filter' || base.hook !== 'prerouting' || base.prio !== -300) {
    problems.push(`chain ${BASE} is missing or not a prerouting filter hook at priority -300`);
  }
  const comment = spoofComment(containerID, ifname);
  spoofRules(hostIface, mac, containerID, ifname).forEach(([chain, expr], i) => {
    const ok = listing.rules.some((r) => r.chain === chain && r.comment === comment && sameExpr(r.expr, expr));
    if (!ok) problems.push(`rule ${i + 1} of chain ${chain} not found`);
  });
  if (problems.length > 0) throw new Error(`macspoofchk check failed: ${problems.join('; ')}`);
}
