// Scratch network namespaces for black-box plugin tests: a test makes its own "host" netns
// and container netns, runs the plugin inside the host one with `ip netns exec`, reads the
// kernel back with `ip -j`, `bridge -j`, iptables-save and `nft -j`, and deletes the
// namespaces afterwards (cleanupNetns in afterEach), which deletes everything made inside
// them: bridges, veths, netfilter rules. The real host netns is never touched.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { exec, ours, pluginEnv, type Call, type Outcome } from './helpers';

export interface Netns { name: string; path: string }
export interface Ran { code: number | null; stdout: string; stderr: string }
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- iproute2/nft JSON, checked field by field
export type Json = any;

/**
 * Where the netns tests take the plugin under test (and its IPAM) from: ours; or, to try a
 * test itself against another build (e.g. the reference's /usr/lib/cni), CNITS_E2E_DIR.
 */
export const pluginDir = process.env['CNITS_E2E_DIR'] || ours;

const which = (bin: string): boolean =>
  (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, bin)));

/** root, and the tools every netns test reads the kernel with */
export const canNetns = process.getuid?.() === 0 && ['ip', 'bridge', 'iptables-save', 'ip6tables-save', 'nft'].every(which);
/** iputils ping, else busybox's (CI installs busybox only) */
const pingCmd: string[] = which('ping') ? ['ping'] : ['busybox', 'ping'];

const live = new Set<string>();

function must(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A fresh netns `<prefix>-<8 hex>`, deleted by cleanupNetns. */
export function makeNetns(prefix: string): Netns {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  must('ip', ['netns', 'add', name]);
  live.add(name);
  return { name, path: `/var/run/netns/${name}` };
}

/** Deletes one netns now (e.g. "the container is gone"); absent is fine. */
export function delNetns(ns: Netns): void {
  spawnSync('ip', ['netns', 'del', ns.name], { timeout: 30_000 });
  live.delete(ns.name);
}

/** Deletes every netns made by makeNetns that is still there. For afterEach. */
export function cleanupNetns(): void {
  for (const name of [...live]) delNetns({ name, path: '' });
}

/**
 * Polls `probe` every 100 ms, at most `tries` times, until it returns true; returns its last
 * answer. For kernel work that finishes after the command that started it (a deleted netns
 * takes its veth peers with it from a workqueue), never to assert on time.
 */
export function settle(probe: () => boolean, tries = 50): boolean {
  for (let i = 0; i < tries; i++) {
    if (probe()) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  return probe();
}

/** Runs `file` inside `ns` with exactly `env` and `stdin`, like a runtime would from that netns. */
export function inNetns(ns: Netns, file: string, env: Record<string, string>, stdin: string): Promise<Outcome> {
  return exec('ip', env, stdin, ['netns', 'exec', ns.name, file]);
}

/** helpers.cni, but executed inside `ns`. */
export function cniIn(ns: Netns, name: string, c: Call, conf: unknown, dir = ours): Promise<Outcome> {
  const stdin = typeof conf === 'string' ? conf : JSON.stringify(conf);
  return inNetns(ns, join(dir, name), pluginEnv(c, dir), stdin);
}

/** Any command inside `ns` (sync, bounded). */
export function nsExec(ns: Netns, ...cmd: string[]): Ran {
  const r = spawnSync('ip', ['netns', 'exec', ns.name, ...cmd], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Like nsExec but throws when the command fails. */
export function nsMust(ns: Netns, ...cmd: string[]): string {
  const r = nsExec(ns, ...cmd);
  if (r.code !== 0) throw new Error(`${cmd.join(' ')} in ${ns.name}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const missing = /does not exist|Cannot find device|not found/i;

/** `ip -n <ns> -j <args>`; a device that does not exist reads as []. */
export function ipJson(ns: Netns, ...args: string[]): Json {
  const r = spawnSync('ip', ['-n', ns.name, '-j', ...args], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) {
    if (missing.test(r.stderr)) return [];
    throw new Error(`ip -n ${ns.name} -j ${args.join(' ')}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout || '[]');
}

/** `bridge -n <ns> -j <args>` */
export function bridgeJson(ns: Netns, ...args: string[]): Json {
  return JSON.parse(must('bridge', ['-n', ns.name, '-j', ...args]) || '[]');
}

/** One ICMP echo, waiting at most 2 s for the reply. */
export function ping(ns: Netns, addr: string): boolean {
  return nsExec(ns, ...pingCmd, '-c', '1', '-W', '2', addr).code === 0;
}

/** Up to `tries` single pings (IPv6 DAD on the far side may still be running): true at the first reply. */
export function pingSoon(ns: Netns, addr: string, tries = 3): boolean {
  for (let i = 0; i < tries; i++) if (ping(ns, addr)) return true;
  return false;
}

/** A sysctl of `ns`, by its slash path under /proc/sys (e.g. net/ipv4/conf/eth0/arp_notify). */
export function sysctl(ns: Netns, path: string): string {
  return nsMust(ns, 'cat', `/proc/sys/${path}`).trim();
}

/** Names of the links of `ns` (`lo` included). */
export function linkNames(ns: Netns): string[] {
  return ipJson(ns, 'link', 'show').map((l: Json) => l.ifname as string).sort();
}

/** Links of `ns` of one kind (`ip -d` linkinfo.info_kind). */
export function linksOfKind(ns: Netns, kind: string): Json[] {
  return ipJson(ns, '-d', 'link', 'show').filter((l: Json) => l.linkinfo?.info_kind === kind);
}

/** Global addresses of a link as `ip/prefix`. */
export function addrsOf(ns: Netns, dev: string): string[] {
  const [link] = ipJson(ns, 'addr', 'show', 'dev', dev);
  return (link?.addr_info ?? []).filter((a: Json) => a.scope === 'global').map((a: Json) => `${a.local}/${a.prefixlen}`);
}

/** The nat table's CNI user chains and every rule that mentions CNI, both families, counters stripped. */
export function iptablesCni(ns: Netns): string[] {
  const lines = [...nsMust(ns, 'iptables-save', '-t', 'nat').split('\n'), ...nsMust(ns, 'ip6tables-save', '-t', 'nat').split('\n')];
  return lines.filter((l) => /^:CNI-|^-A .*CNI-/.test(l)).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
}

/** `nft -j list ruleset` of `ns`, as the list of its objects (table, chain, rule entries). */
export function nftObjects(ns: Netns): Json[] {
  return (JSON.parse(nsMust(ns, 'nft', '-j', 'list', 'ruleset')).nftables as Json[]).filter((o) => !('metainfo' in o));
}

/** Rules (nft JSON `rule` objects) of one table. */
export function nftRules(ns: Netns, family: string, table: string): Json[] {
  return nftObjects(ns).filter((o) => o.rule?.family === family && o.rule?.table === table).map((o) => o.rule);
}

/** Chains names of one table. */
export function nftChains(ns: Netns, family: string, table: string): string[] {
  return nftObjects(ns).filter((o) => o.chain?.family === family && o.chain?.table === table).map((o) => o.chain.name as string).sort();
}

/** Lease files of a host-local network directory (no lock, no last_reserved_ip.N). */
export function leaseFiles(dataDir: string, network: string): string[] {
  const d = join(dataDir, network);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip')).sort();
}

/**
 * What an attachment can leave behind: host veths, container links, leases, masquerade rules
 * (iptables chains/jumps and nft `inet cni_plugins_masquerade` rules), spoof-check chains.
 * After a failed ADD or a DEL every list but `container: ['lo']` is empty.
 */
export interface Leftovers { hostVeths: string[]; container: string[]; leases: string[]; iptables: string[]; nftMasq: string[]; spoofChains: string[] }
export function leftovers(host: Netns, container: Netns | undefined, dataDir: string, network: string): Leftovers {
  return {
    hostVeths: linksOfKind(host, 'veth').map((l: Json) => l.ifname as string).sort(),
    container: container ? linkNames(container) : ['lo'],
    leases: leaseFiles(dataDir, network),
    iptables: iptablesCni(host).sort(),
    nftMasq: nftRules(host, 'inet', 'cni_plugins_masquerade').filter((r: Json) => r.chain === 'masq_checks').map((r: Json) => String(r.comment)).sort(),
    spoofChains: nftChains(host, 'bridge', 'nat').filter((c) => c.startsWith('cni-br-iface-')),
  };
}

export const nothingLeft: Leftovers = { hostVeths: [], container: ['lo'], leases: [], iptables: [], nftMasq: [], spoofChains: [] };
