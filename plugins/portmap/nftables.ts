// The nftables backend (portmap_nftables.go): tables `ip cni_hostport` and `ip6 cni_hostport`,
// base chains prerouting/output (nat, dstnat) jumping to hostports_all -> hostip_hostports,
// hostports; masquerading (nat, srcnat). One rule per mapping, commented with the container ID,
// which is how DEL finds them. ADD: one `nft -f` transaction for both families (the reference
// runs knftables' probes plus one transaction per family). DEL: one read per family, in
// parallel, and one transaction. CHECK: one read per family of the container.
import { formatIP, type IPFamily, type IPPrefix } from '../../lib/ip';
import { goQuote } from '../../lib/masq/names';
import { type Json, type NftListing, nftApply, nftList, type NftRule } from '../../lib/masq/nftjson';
import { defaultRunner, NetfilterError, type Runner } from '../../lib/masq/run';
import { type PortMapConf, mappingsFor } from './config';

export const TABLE = 'cni_hostport';
const HOSTPORTS = 'hostports';
/** no longer written to, but still read and cleaned: older versions put hostIP rules there */
const HOSTIP_HOSTPORTS = 'hostip_hostports';
const ALL = 'hostports_all';
const MASQ = 'masquerading';
const nftFamily = (f: IPFamily): 'ip' | 'ip6' => (f === 4 ? 'ip' : 'ip6');
const DSTNAT = -100;
const SRCNAT = 100;

/** The reference's transaction for one container address (knftables' text, numeric priorities). */
export function forwardScript(conf: PortMapConf, family: IPFamily, addr: IPPrefix, tableComment = true): string[] {
  const ipX = nftFamily(family);
  const t = `${ipX} ${TABLE}`;
  const conditions = (family === 6 ? conf.conditionsV6 : conf.conditionsV4).join(' ');
  const hook = (name: string): string[] => [
    `add chain ${t} ${name} { type nat hook ${name} priority ${DSTNAT} ; }`,
    `flush chain ${t} ${name}`,
    `add rule ${t} ${name} ${conditions ? `${conditions} ` : ''}fib daddr type local jump ${ALL}`,
  ];
  const comment = `comment ${goQuote(conf.containerID)}`;
  const ip = formatIP(addr.ip);
  const to = family === 6 ? `[${ip}]` : ip;
  const lines = [
    `add table ${t}${tableComment ? ` { comment ${goQuote('CNI portmap plugin')} ; }` : ''}`,
    `add chain ${t} ${HOSTPORTS}`,
    `add chain ${t} ${HOSTIP_HOSTPORTS}`,
    `add chain ${t} ${ALL}`,
    `flush chain ${t} ${ALL}`,
    `add rule ${t} ${ALL} jump ${HOSTIP_HOSTPORTS}`,
    `add rule ${t} ${ALL} jump ${HOSTPORTS}`,
    ...hook('prerouting'),
    ...hook('output'),
  ];
  if (conf.snat) lines.push(`add chain ${t} ${MASQ} { type nat hook postrouting priority ${SRCNAT} ; }`);
  for (const m of mappingsFor(conf, family)) {
    const dst = m.hostIP && !m.hostUnspecified ? `${ipX} daddr ${m.hostIP} ` : '';
    lines.push(`add rule ${t} ${HOSTPORTS} ${dst}${m.protocol} dport ${m.hostPort} dnat to ${to}:${m.containerPort} ${comment}`);
  }
  if (conf.snat) {
    // masqAll as the reference after v1.9.1 (v1.9.1's nftables backend ignores it)
    const from = conf.masqAll ? (family === 6 ? '::/0' : '0.0.0.0/0') : ip;
    lines.push(`add rule ${t} ${MASQ} ${ipX} saddr ${from} ${ipX} daddr ${ip} masquerade ${comment}`);
    if (family === 4 && !conf.masqAll) lines.push(`add rule ${t} ${MASQ} ${ipX} saddr 127.0.0.1 ${ipX} daddr ${ip} masquerade ${comment}`);
  }
  return lines;
}

export async function forwardNFTables(conf: PortMapConf, runner: Runner = defaultRunner): Promise<void> {
  const script = (withComment: boolean): string => ([4, 6] as const).flatMap((f) => {
    const addr = conf.addrs[f];
    return addr ? forwardScript(conf, f, addr, withComment) : [];
  }).join('\n');
  try {
    await nftApply(runner, `${script(true)}\n`);
  } catch (e) {
    // knftables leaves table comments out on kernels without them; we find out by failing
    if (!(e instanceof NetfilterError) || !/comment/i.test(e.stderr)) throw new Error(`unable to set up nftables rules for port mappings: ${(e as Error).message}`);
    await nftApply(runner, `${script(false)}\n`);
  }
}

const listTable = (runner: Runner, family: IPFamily): Promise<NftListing | undefined> => nftList(runner, ['table', nftFamily(family), TABLE]);

/** Both families, whatever the container had; a missing table or an unusable family is nothing to do. */
export async function unforwardNFTables(conf: PortMapConf, runner: Runner = defaultRunner): Promise<void> {
  const lines = (await Promise.all(([4, 6] as const).map(async (family) => {
    const listing = await listTable(runner, family).catch(() => undefined);
    return (listing?.rules ?? [])
      .filter((r) => [HOSTPORTS, HOSTIP_HOSTPORTS, MASQ].includes(r.chain) && r.comment === conf.containerID)
      .map((r) => `delete rule ${nftFamily(family)} ${TABLE} ${r.chain} handle ${r.handle}`);
  }))).flat();
  if (lines.length > 0) await nftApply(runner, `${lines.join('\n')}\n`);
}

/** What a rule matches and does, read from nft's JSON: enough to tell our rules apart. */
export function ruleSummary(expr: readonly Json[]): string {
  const parts: string[] = [];
  for (const e of expr) {
    if (!e || typeof e !== 'object' || Array.isArray(e)) continue;
    const m = e['match'] as { op?: string; left?: { payload?: { protocol?: string; field?: string } }; right?: Json } | undefined;
    if (m?.left?.payload) parts.push(`${m.left.payload.protocol} ${m.left.payload.field} ${m.op === '==' ? '' : `${m.op} `}${JSON.stringify(m.right)}`);
    const dnat = e['dnat'] as { addr?: string; port?: number } | undefined;
    if (dnat) parts.push(`dnat ${dnat.addr}:${dnat.port}`);
    if ('masquerade' in e) parts.push('masquerade');
    const jump = e['jump'] as { target?: string } | undefined;
    if (jump) parts.push(`jump ${jump.target}`);
  }
  return parts.join(' ');
}

/** The summaries CHECK expects in hostports and masquerading for one address. */
export function expectedSummaries(conf: PortMapConf, family: IPFamily, addr: IPPrefix): { hostports: string[]; masq: string[] } {
  const ipX = nftFamily(family);
  const ip = formatIP(addr.ip);
  const hostports = mappingsFor(conf, family).map((m) =>
    `${m.hostIP && !m.hostUnspecified ? `${ipX} daddr ${JSON.stringify(m.hostIP)} ` : ''}${m.protocol} dport ${m.hostPort} dnat ${ip}:${m.containerPort}`);
  const masq: string[] = [];
  if (conf.snat) {
    const from = conf.masqAll ? JSON.stringify({ prefix: { addr: family === 6 ? '::' : '0.0.0.0', len: 0 } }) : JSON.stringify(ip);
    masq.push(`${ipX} saddr ${from} ${ipX} daddr ${JSON.stringify(ip)} masquerade`);
    if (family === 4 && !conf.masqAll) masq.push(`${ipX} saddr "127.0.0.1" ${ipX} daddr ${JSON.stringify(ip)} masquerade`);
  }
  return { hostports, masq };
}

/** CHECK, per family of the container: hooks, the intermediate chain, and each of the container's rules. */
export async function checkNFTables(conf: PortMapConf, runner: Runner = defaultRunner): Promise<void> {
  await Promise.all(([4, 6] as const).map(async (family) => {
    const addr = conf.addrs[family];
    if (!addr) return;
    const where = `nft table ${nftFamily(family)} ${TABLE}`;
    const l = await listTable(runner, family);
    if (!l) throw new Error(`portmap: ${where} not found`);
    const problems: string[] = [];
    const chains: [string, string, number][] = [['prerouting', 'prerouting', DSTNAT], ['output', 'output', DSTNAT]];
    if (conf.snat) chains.push([MASQ, 'postrouting', SRCNAT]);
    for (const [name, hook, prio] of chains) {
      const c = l.chains.find((x) => x.name === name);
      if (!c || c.type !== 'nat' || c.hook !== hook || c.prio !== prio) problems.push(`chain ${name} is missing or not a nat ${hook} hook at priority ${prio}`);
      else if (name !== MASQ && !l.rules.some((r) => r.chain === name && ruleSummary(r.expr).endsWith(`jump ${ALL}`))) problems.push(`chain ${name} does not jump to ${ALL}`);
    }
    const all = l.rules.filter((r) => r.chain === ALL).map((r) => ruleSummary(r.expr));
    for (const target of [HOSTIP_HOSTPORTS, HOSTPORTS]) if (!all.includes(`jump ${target}`)) problems.push(`chain ${ALL} does not jump to ${target}`);
    const mine = (chain: string): string[] => l.rules.filter((r: NftRule) => r.chain === chain && r.comment === conf.containerID).map((r) => ruleSummary(r.expr));
    const want = expectedSummaries(conf, family, addr);
    for (const [chain, expected] of [[HOSTPORTS, want.hostports], [MASQ, want.masq]] as const) {
      const have = mine(chain);
      for (const s of expected) if (!have.includes(s)) problems.push(`rule "${s}" not found in chain ${chain}`);
    }
    if (problems.length > 0) throw new Error(`portmap: ${where}: ${problems.join('; ')}`);
  }));
}
