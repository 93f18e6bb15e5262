// Expectation files (after undici's WPT runner): case id → "PASS", or { status, reason } for a
// known FAIL or SKIP. A case missing from the file is expected to PASS. A run is green when
// every result equals its expectation, in both directions: an unexpected PASS is reported
// (and fails the run) just like an unexpected FAIL, so the files stay true.
// Under CNI_VM=1 (a stock kernel: ipvlan, 802.1q) an entry's `vm` field, when present,
// replaces it: cases this host's kernel SKIPs then have their own expectation.
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Status, Verdict } from './harness';

interface Entry { status: Status; reason?: string; vm?: Expected }
export type Expected = 'PASS' | Entry;
export type Expectations = Record<string, Expected>;

const inVm = (): boolean => process.env['CNI_VM'] === '1';

export function loadExpectations(file: string | undefined): Expectations {
  if (!file || !existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Expectations;
}

function flat(x: Expected | undefined): { status: Status; reason: string } {
  if (x === undefined || x === 'PASS') return { status: 'PASS', reason: '' };
  return { status: x.status, reason: x.reason ?? '' };
}

export function expected(e: Expectations, id: string): { status: Status; reason: string } {
  const x = e[id];
  if (inVm() && typeof x === 'object' && x.vm !== undefined) return flat(x.vm);
  return flat(x);
}

/** The expectation file of a plugin directory: ours for <repo>/dist/{bin,sea,portable}, the reference's for /usr/lib/cni. */
export function defaultExpectFile(dir: string, expectDir: string): string | undefined {
  const real = existsSync(dir) ? realpathSync(dir) : resolve(dir);
  if (real === '/usr/lib/cni') return join(expectDir, 'reference.json');
  if (/\/dist\/(bin|sea|portable)$/.test(real) && existsSync(join(dirname(dirname(real)), 'conformance'))) return join(expectDir, 'ours.json');
  return undefined;
}

/** A verdict as an entry; a curated reason is kept while the status stays the same. */
function entry(v: Verdict, prev: Expected | undefined): Expected {
  if (v.status === 'PASS') return 'PASS';
  const p = flat(prev);
  return { status: v.status, reason: p.status === v.status && p.reason ? p.reason : v.reason };
}

/**
 * The file after a run: results of the cases run replace their entries (under CNI_VM=1 only
 * their `vm` part, dropped when it says the same as the host's); cases not run keep theirs.
 */
export function updated(old: Expectations, verdicts: readonly Verdict[]): Expectations {
  const next: Expectations = { ...old };
  for (const v of verdicts) {
    const prev = old[v.id];
    if (!inVm()) {
      const e = entry(v, prev);
      const vm = typeof prev === 'object' ? prev.vm : undefined;
      next[v.id] = vm === undefined ? e : { ...(e === 'PASS' ? { status: 'PASS' as const } : e), vm };
      continue;
    }
    const host = typeof prev === 'object' ? { status: prev.status, ...(prev.reason ? { reason: prev.reason } : {}) } : 'PASS';
    const vm = entry(v, typeof prev === 'object' ? prev.vm ?? host : host);
    next[v.id] = flat(vm).status === flat(host).status ? host : { ...(host === 'PASS' ? { status: 'PASS' as const } : host), vm };
  }
  return Object.fromEntries(Object.keys(next).sort().map((k) => [k, next[k]!]));
}

export function saveExpectations(file: string, e: Expectations): void {
  writeFileSync(file, `${JSON.stringify(e, null, 2)}\n`);
}
