// Independent views of what plugins did: scratch network namespaces, the kernel read back with
// `ip -j` / iptables-save / `nft -j`, pings from inside namespaces, and host-local's files.
// Nothing here imports plugin code: it is what an operator would look at.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Ns { name: string; path: string }
export interface Ran { code: number | null; stdout: string; stderr: string }
// iproute2 / nft JSON and plugin results, read field by field
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- `ip -j`/`nft -j` output, read by shape in each check
export type Json = any;

export const NS_PREFIX = 'cnitscf';

function run(file: string, args: string[]): Ran {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function must(file: string, args: string[]): string {
  const r = run(file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** every scratch namespace alive in this process, for destroyAll() on a signal */
const everywhere = new Set<string>();
export function destroyAll(): void {
  for (const name of [...everywhere]) run('ip', ['netns', 'del', name]);
  everywhere.clear();
}

/** The namespaces of one case: `cnitscf-<6 hex>-<role>`, all deleted by destroy(). */
export class Scratch {
  readonly prefix = `${NS_PREFIX}-${randomBytes(3).toString('hex')}`;
  private readonly live = new Set<string>();

  add(role: string): Ns {
    const name = `${this.prefix}-${role}`;
    must('ip', ['netns', 'add', name]);
    this.live.add(name);
    everywhere.add(name);
    must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return { name, path: `/var/run/netns/${name}` };
  }

  /** Deletes one namespace now ("the container is gone"). */
  remove(ns: Ns): void {
    run('ip', ['netns', 'del', ns.name]);
    this.live.delete(ns.name);
    everywhere.delete(ns.name);
  }

  destroy(): void {
    for (const name of [...this.live]) this.remove({ name, path: '' });
  }
}

/** A command inside `ns`. */
export const nsExec = (ns: Ns, ...cmd: string[]): Ran => run('ip', ['netns', 'exec', ns.name, ...cmd]);
export const nsMust = (ns: Ns, ...cmd: string[]): string => must('ip', ['netns', 'exec', ns.name, ...cmd]);

/** `ip -n NS -j ARGS`; a device that does not exist reads as []. */
export function ipJson(ns: Ns, ...args: string[]): Json[] {
  const r = run('ip', ['-n', ns.name, '-j', ...args]);
  if (r.code !== 0) {
    if (/does not exist|Cannot find device|not found/i.test(r.stderr)) return [];
    throw new Error(`ip -n ${ns.name} -j ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout || '[]') as Json[];
}

/** One link of `ns` with details (`ip -d`), or undefined. */
export const link = (ns: Ns, dev: string): Json | undefined => ipJson(ns, '-d', 'link', 'show', 'dev', dev)[0];
export const linksOfKind = (ns: Ns, kind: string): Json[] =>
  ipJson(ns, '-d', 'link', 'show').filter((l: Json) => l.linkinfo?.info_kind === kind);
export const linkNames = (ns: Ns): string[] => ipJson(ns, 'link', 'show').map((l: Json) => String(l.ifname)).sort();

/** Global addresses of a link, as `ip/prefix`. */
export function addrs(ns: Ns, dev: string): string[] {
  const [l] = ipJson(ns, 'addr', 'show', 'dev', dev);
  return ((l?.addr_info ?? []) as Json[]).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`);
}

/** Up to `tries` single busybox pings (a bridge port may still be learning): true at the first reply. */
export function ping(ns: Ns, addr: string, tries = 3): boolean {
  for (let i = 0; i < tries; i++) {
    if (nsExec(ns, 'busybox', 'ping', '-c', '1', '-W', '2', addr).code === 0) return true;
  }
  return false;
}

/**
 * Masquerade state that mentions `containerID`, both families and both backends: iptables nat
 * rules (the reference's comment `name: "<net>" id: "<cid>"`) and rules of nft table
 * `inet cni_plugins_masquerade` (comment `…, id: <cid>`).
 */
export function masqRules(ns: Ns, containerID: string): string[] {
  const ipt = [...nsExec(ns, 'iptables-save', '-t', 'nat').stdout.split('\n'), ...nsExec(ns, 'ip6tables-save', '-t', 'nat').stdout.split('\n')]
    .filter((l) => l.startsWith('-A ') && l.includes(`id: \\"${containerID}\\"`));
  const r = nsExec(ns, 'nft', '-j', 'list', 'ruleset');
  const objs = r.code === 0 ? ((JSON.parse(r.stdout || '{"nftables":[]}') as Json).nftables as Json[]) : [];
  const nft = objs
    .filter((o) => o.rule?.table === 'cni_plugins_masquerade' && String(o.rule?.comment ?? '').includes(`id: ${containerID}`))
    .map((o) => `nft ${o.rule.chain}: ${o.rule.comment}`);
  return [...ipt, ...nft];
}

/** host-local's reservation files of a network: ip → content (lock and last_reserved_ip.N left out). */
export function leases(dataDir: string, network: string): Map<string, string> {
  const d = join(dataDir, network);
  const out = new Map<string, string>();
  if (!existsSync(d)) return out;
  for (const f of readdirSync(d)) {
    if (f === 'lock' || f.startsWith('last_reserved_ip')) continue;
    out.set(f, readFileSync(join(d, f), 'utf8'));
  }
  return out;
}

/** Lease IPs held by one attachment (the reference format `containerID\r\nifname`, or legacy `containerID`). */
export function leasesOf(dataDir: string, network: string, containerID: string, ifName: string): string[] {
  return [...leases(dataDir, network)]
    .filter(([, c]) => c.trim() === `${containerID}\r\n${ifName}` || c.trim() === containerID)
    .map(([ip]) => ip)
    .sort();
}

const probed = new Map<string, boolean>();
/** Can this kernel create `kind` links? (probed once, in a throwaway netns) */
export function kernelHas(kind: 'ipvlan' | 'macvlan'): boolean {
  const known = probed.get(kind);
  if (known !== undefined) return known;
  const s = new Scratch();
  try {
    const ns = s.add('probe');
    nsMust(ns, 'ip', 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    const has = nsExec(ns, 'ip', 'link', 'add', 'link', 'p0', 'name', 'k0', 'type', kind).code === 0;
    probed.set(kind, has);
    return has;
  } finally {
    s.destroy();
  }
}
