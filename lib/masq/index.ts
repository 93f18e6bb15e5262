// IP masquerade for bridge/ptp (pkg/ip/ipmasq_linux.go): backend choice, setup, teardown of
// both backends, GC, CHECK. Objects are exactly the reference's, so either implementation
// can tear down what the other set up.
import { checkIPTables, gcIPTables, IPTablesUnusableError, setupIPTables, teardownIPTables } from './iptables';
import { checkNFTables, gcNFTables, setupNFTables, teardownNFTables } from './nftables';
import { type Attachment, hasBinary, type NetfilterOptions } from './run';

export type { Attachment, NetfilterOptions, Runner, RunResult } from './run';
export { setupSpoofCheck, teardownSpoofCheck, checkSpoofCheck } from './spoofcheck';

export type MasqBackend = 'iptables' | 'nftables';

export interface MasqOptions extends NetfilterOptions {
  /** answers "is this program installed?" (tests); default: look in PATH, no fork */
  hasBinary?: (name: string) => boolean;
  /** teardown: the configured `ipMasqBackend`, i.e. what ADD most likely used (both are removed) */
  configured?: string | undefined;
}

/**
 * The reference prefers iptables unless it is unusable and nftables is usable, probing with
 * `iptables --version` + `iptables -t filter -S INPUT 1` (and knftables' `nft --version` +
 * `nft --check`): 2 to 4 forks per ADD. Ours costs no fork: iptables unless its binary is
 * missing and nft is there. An iptables binary that exists but cannot work is caught by
 * setupIPMasq when its first read fails, which then falls back to nftables as the reference would.
 */
export function defaultBackend(opts: MasqOptions = {}): MasqBackend {
  const has = opts.hasBinary ?? hasBinary;
  return !has('iptables') && has('nft') ? 'nftables' : 'iptables';
}

function resolve(backend: string | undefined, opts: MasqOptions): MasqBackend {
  const b = backend ?? defaultBackend(opts);
  if (b !== 'iptables' && b !== 'nftables') throw new Error(`unknown ipmasq backend ${JSON.stringify(b)}`);
  return b;
}

/**
 * SetupIPMasqForNetworks: masquerade traffic from each address of `ips` (CIDRs as in the
 * result, e.g. `10.88.0.5/16`) to anywhere outside its subnet, except multicast.
 * Forks: iptables 1 write per address family when the chain is new (else a failed write,
 * 1 read and <= 1 write); nftables 1 read + 1 write.
 */
export async function setupIPMasq(backend: string | undefined, ips: readonly string[], network: string, ifname: string, containerID: string, opts: MasqOptions = {}): Promise<void> {
  const chosen = resolve(backend, opts);
  if (chosen === 'nftables') return setupNFTables(network, ifname, containerID, ips, opts);
  try {
    await setupIPTables(network, containerID, ips, opts);
  } catch (e) {
    const has = opts.hasBinary ?? hasBinary;
    const fallback = backend === undefined && e instanceof IPTablesUnusableError && e.family === 4 && has('nft');
    if (!fallback) throw e;
    await setupNFTables(network, ifname, containerID, ips, opts);
  }
}

/**
 * TeardownIPMasqForNetworks: removes what either backend set up for this attachment,
 * whatever the configuration says (the pod may come from another version or config).
 * A backend whose binary is missing, or whose read fails, is skipped (the reference ignores
 * its errors then); one whose chain/table is absent costs its read only. With `ips` empty
 * (interface already gone) the iptables chain is still found by name, in both families.
 */
export async function teardownIPMasq(ips: readonly string[], network: string, ifname: string, containerID: string, opts: MasqOptions = {}): Promise<void> {
  const has = opts.hasBinary ?? hasBinary;
  const errors: string[] = [];
  const collect = (e: unknown): void => { errors.push(e instanceof Error ? e.message : String(e)); };
  await Promise.all([
    has('iptables') ? teardownIPTables(network, containerID, ips, { ...opts, optimistic: likely(opts) === 'iptables' }).catch(collect) : undefined,
    has('nft') ? teardownNFTables(network, ifname, containerID, opts).catch(collect) : undefined,
  ]);
  if (errors.length > 0) throw new Error(errors.join('\n'));
}

function likely(opts: MasqOptions): MasqBackend | undefined {
  try { return resolve(opts.configured, opts); } catch { return undefined; }
}

/**
 * GCIPMasqForNetwork: removes masquerading of `network` for attachments not in `valid`.
 * nftables as the reference; iptables too (the reference has no iptables GC): chains are
 * attributed to the network through their rules' comments and the chain-name hash.
 * Returns a description of each removed object.
 */
export async function gcIPMasq(network: string, valid: readonly Attachment[], opts: MasqOptions = {}): Promise<string[]> {
  const has = opts.hasBinary ?? hasBinary;
  const errors: string[] = [];
  const collect = (e: unknown): string[] => { errors.push(e instanceof Error ? e.message : String(e)); return []; };
  const [a = [], b = []] = await Promise.all([
    has('iptables') ? gcIPTables(network, valid, opts).catch(collect) : [],
    has('nft') ? gcNFTables(network, valid, opts).catch(collect) : [],
  ]);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return [...a, ...b];
}

/** CHECK (the reference's bridge checks nothing here): the configured backend's objects exist. */
export async function checkIPMasq(backend: string | undefined, ips: readonly string[], network: string, ifname: string, containerID: string, opts: MasqOptions = {}): Promise<void> {
  if (resolve(backend, opts) === 'nftables') return checkNFTables(network, ifname, containerID, ips, opts);
  try {
    await checkIPTables(network, containerID, ips, opts);
  } catch (e) {
    if (!(backend === undefined && e instanceof IPTablesUnusableError && e.family === 4 && (opts.hasBinary ?? hasBinary)('nft'))) throw e;
    await checkNFTables(network, ifname, containerID, ips, opts); // where setupIPMasq fell back
  }
}
