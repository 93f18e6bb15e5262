// Reading `nft -j list ...` output and applying `nft -f -` transactions.
import { mustRun, NetfilterError, type Runner } from './run';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface NftChain {
  family: string;
  table: string;
  name: string;
  handle: number;
  type?: string;
  hook?: string;
  prio?: number;
  policy?: string;
}

export interface NftRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  comment?: string;
  expr: Json[];
}

export interface NftListing {
  tables: { family: string; name: string }[];
  chains: NftChain[];
  rules: NftRule[];
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: JsonObject, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const num = (o: JsonObject, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);

/** Parses the `{"nftables": [{metainfo}, {table}, {chain}, {rule}, ...]}` document. */
export function parseNftJson(text: string): NftListing {
  const doc = JSON.parse(text) as Json;
  const items = isObject(doc) ? doc['nftables'] : undefined;
  if (!Array.isArray(items)) throw new Error(`unexpected nft -j output: ${text.slice(0, 200)}`);
  const out: NftListing = { tables: [], chains: [], rules: [] };
  for (const item of items) {
    if (!isObject(item)) continue;
    const table = item['table'];
    const chain = item['chain'];
    const rule = item['rule'];
    if (isObject(table)) {
      out.tables.push({ family: str(table, 'family') ?? '', name: str(table, 'name') ?? '' });
    } else if (isObject(chain)) {
      const c: NftChain = {
        family: str(chain, 'family') ?? '', table: str(chain, 'table') ?? '',
        name: str(chain, 'name') ?? '', handle: num(chain, 'handle') ?? -1,
      };
      const type = str(chain, 'type'); if (type !== undefined) c.type = type;
      const hook = str(chain, 'hook'); if (hook !== undefined) c.hook = hook;
      const prio = num(chain, 'prio'); if (prio !== undefined) c.prio = prio;
      const policy = str(chain, 'policy'); if (policy !== undefined) c.policy = policy;
      out.chains.push(c);
    } else if (isObject(rule)) {
      const expr = rule['expr'];
      const r: NftRule = {
        family: str(rule, 'family') ?? '', table: str(rule, 'table') ?? '', chain: str(rule, 'chain') ?? '',
        handle: num(rule, 'handle') ?? -1, expr: Array.isArray(expr) ? expr : [],
      };
      const comment = str(rule, 'comment'); if (comment !== undefined) r.comment = comment;
      out.rules.push(r);
    }
  }
  return out;
}

/** nft's message for a missing table/chain (what knftables.IsNotFound looks for). */
export const isNotFound = (e: unknown): boolean =>
  e instanceof NetfilterError && e.stderr.includes('No such file or directory');

/** `nft -j list <what...>`; undefined when the table/chain does not exist. */
export async function nftList(runner: Runner, what: readonly string[]): Promise<NftListing | undefined> {
  try {
    return parseNftJson(await mustRun(runner, 'nft', ['-j', 'list', ...what]));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Above this a transaction goes through a temp file instead of argv (Linux caps one arg at 128 KiB). */
const ARGV_MAX = 100_000;

/**
 * Runs one atomic nft transaction (text syntax, or JSON with `json`). The script is passed
 * as one argument, not on stdin: Node's stdin is a socketpair and nft opens `/dev/stdin`
 * for JSON (and, before 1.0.7, for text too), which fails on a socket with ENXIO.
 */
export async function nftApply(runner: Runner, script: string, json = false): Promise<void> {
  const flags = json ? ['-j'] : [];
  if (script.length <= ARGV_MAX) {
    await mustRun(runner, 'nft', [...flags, script]);
    return;
  }
  const { mkdtempSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');
  const { tmpdir } = process.getBuiltinModule('node:os');
  const { join } = process.getBuiltinModule('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'cnits-nft-'));
  try {
    const file = join(dir, json ? 'tx.json' : 'tx.nft');
    writeFileSync(file, script);
    await mustRun(runner, 'nft', [...flags, '-f', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Canonical JSON text for comparing expressions (nft prints keys in a fixed order). */
export function sameExpr(a: readonly Json[], b: readonly Json[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
