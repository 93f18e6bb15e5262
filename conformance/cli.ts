// Black-box CNI conformance runner: runs every case against the plugins of a directory, as a
// runtime would (env + stdin only), and compares the outcome with that directory's
// expectation file. Usage: see HELP. Root only (namespaces, netfilter).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allCases } from './cases/index';
import { defaultExpectFile, expected, loadExpectations, saveExpectations, updated, type Expectations } from './expect';
import { locate, runCase, type Case, type Verdict } from './harness';
import { destroyAll } from './kernel';

const HELP = `usage: npm run conformance -- --plugins DIR [--plugins DIR2 | --compare DIR2]
         [--only REGEX] [--expect FILE] [--update-expectations] [--jobs N] [--timeout SECONDS] [--list]

  --plugins DIR            plugin directory under test (dist/bin → expect/ours.json, /usr/lib/cni → expect/reference.json)
  --compare DIR2           also run DIR2 and print a side-by-side table (same as a second --plugins)
  --only REGEX             run only the cases whose id matches
  --expect FILE            expectation file (one directory only)
  --update-expectations    rewrite the expectation file from this run's results
  --jobs N                 cases in parallel (default 4); --timeout: per case (default 120)
  --daemon                 serve DIR's plugins from \`DIR/cnits daemon\` (one per case, in its host netns);
                           a request the daemon declines fails the case
  --list                   print the case ids and exit; --verbose: every plugin exec under its case
Exit status 1 on any result differing from its expectation (an unexpected PASS included).`;

interface Run { dir: string; file: string | undefined; verdicts: Verdict[]; unexpected: Verdict[] }

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** Runs `cases` with at most `jobs` in flight; `report` sees verdicts in case order. */
async function runAll(cases: readonly Case[], dir: string, o: Options, report: (v: Verdict) => void): Promise<Verdict[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'cnitscf-run-'));
  const settle: ((v: Verdict) => void)[] = [];
  const slots = cases.map((_, i) => new Promise<Verdict>((res) => { settle[i] = res; }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      settle[i]!(await runCase(cases[i]!, dir, tmp, o.timeoutMs, o.daemon));
    }
  };
  const workers = Array.from({ length: Math.min(o.jobs, cases.length) }, worker);
  const verdicts: Verdict[] = [];
  try {
    for (const slot of slots) {
      const v = await slot;
      verdicts.push(v);
      report(v);
    }
    await Promise.all(workers);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return verdicts;
}

interface Options { jobs: number; timeoutMs: number; verbose: boolean; daemon: boolean }

async function runDir(dir: string, file: string | undefined, cases: readonly Case[], o: Options): Promise<Run> {
  const exp: Expectations = loadExpectations(file);
  out(`# ${dir}: ${cases.length} cases, expectations ${file ?? '(none: every case expected to PASS or SKIP)'}`);
  const unexpected: Verdict[] = [];
  const verdicts = await runAll(cases, dir, o, (v) => {
    const want = file ? expected(exp, v.id).status : v.status === 'FAIL' ? 'PASS' : v.status;
    const note = v.status === want ? '' : `  [UNEXPECTED: expected ${want}]`;
    if (note) unexpected.push(v);
    out(`${v.status} ${v.id}${v.reason ? ` — ${v.reason}` : ''}${note}`);
    if (o.verbose) for (const l of v.trace) out(`    ${l}`);
  });
  const n = (s: string): number => verdicts.filter((v) => v.status === s).length;
  out(`${n('PASS')} passed, ${n('FAIL')} failed, ${n('SKIP')} skipped${unexpected.length ? ` (${unexpected.length} unexpected)` : ', all as expected'}`);
  for (const v of unexpected) out(`  unexpected ${v.status}: ${v.id}`);
  return { dir, file, verdicts, unexpected };
}

/**
 * Side by side: per plugin group PASS/FAIL/SKIP counts, then every case whose status differs
 * between the directories (all cases with --verbose). `!` marks a result off its expectation.
 */
function table(runs: Run[], all: boolean): void {
  const ids = [...new Set(runs.flatMap((r) => r.verdicts.map((v) => v.id)))];
  const cell = (r: Run, id: string): string => {
    const v = r.verdicts.find((x) => x.id === id);
    return v ? `${v.status}${r.unexpected.includes(v) ? '!' : ''}` : '-';
  };
  const groups = [...new Set(ids.map((i) => i.split('/')[0]!))];
  const tally = (r: Run, g?: string): string => {
    const vs = r.verdicts.filter((v) => g === undefined || v.id.split('/')[0] === g);
    return (['PASS', 'FAIL', 'SKIP'] as const).map((s) => vs.filter((v) => v.status === s).length).join('/');
  };
  const status = (r: Run, id: string): string => r.verdicts.find((x) => x.id === id)?.status ?? '-';
  const off = (id: string): boolean => runs.some((r) => r.unexpected.some((v) => v.id === id));
  const shown = ids.filter((id) => all || off(id) || new Set(runs.map((r) => status(r, id))).size > 1);
  const width = Math.max(24, ...shown.map((i) => i.length));
  const cols = runs.map((r) => Math.max(r.dir.length, 8));
  const row = (cells: string[]): string => cells.map((c, i) => c.padEnd(i === 0 ? width : cols[i - 1]!)).join(' | ').trimEnd();
  const rule = row(['-'.repeat(width), ...cols.map((w) => '-'.repeat(w))]);
  out('');
  out(row(['PASS/FAIL/SKIP', ...runs.map((r) => r.dir)]));
  out(rule);
  for (const g of groups) out(row([g, ...runs.map((r) => tally(r, g))]));
  out(row(['total', ...runs.map((r) => tally(r))]));
  out('');
  out(row([all ? 'case' : 'cases that differ', ...runs.map((r) => r.dir)]));
  out(rule);
  for (const id of shown) out(row([id, ...runs.map((r) => cell(r, id))]));
  if (runs.some((r) => r.unexpected.length)) out('(! = differs from the expectation file)');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      plugins: { type: 'string', multiple: true }, compare: { type: 'string' }, only: { type: 'string' }, expect: { type: 'string' },
      'update-expectations': { type: 'boolean' }, jobs: { type: 'string' }, timeout: { type: 'string' }, list: { type: 'boolean' }, verbose: { type: 'boolean' }, daemon: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  const only = values.only ? new RegExp(values.only) : undefined;
  const cases = allCases.filter((c) => !only || only.test(c.id));
  if (values.list) return void cases.forEach((c) => out(c.id));
  const dirs = [...(values.plugins ?? []), ...(values.compare ? [values.compare] : [])].map((d) => resolve(d));
  if (values.help || dirs.length === 0) return void out(HELP);
  if (values.expect && dirs.length > 1) throw new Error('--expect names the file of one directory; with two, each uses its default');
  if (process.getuid?.() !== 0) throw new Error('the conformance runner needs root (network namespaces, netfilter)');
  const expectDir = join(locate('conformance'), 'expect');
  const o: Options = { jobs: Number(values.jobs ?? 4), timeoutMs: Number(values.timeout ?? 120) * 1000, verbose: values.verbose ?? false, daemon: values.daemon ?? false };
  const runs: Run[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new Error(`no plugin directory ${dir}`);
    // an empty directory (e.g. in the middle of a rebuild) would turn every case into SKIP
    if (!['bridge', 'host-local', 'macvlan', 'ipvlan'].some((p) => existsSync(join(dir, p)))) throw new Error(`no bridge, host-local, macvlan or ipvlan in ${dir}`);
    const file = values.expect ? resolve(values.expect) : defaultExpectFile(dir, expectDir);
    const run = await runDir(dir, file, cases, o);
    if (values['update-expectations']) {
      if (!file) throw new Error(`no expectation file for ${dir}: pass --expect FILE`);
      saveExpectations(file, updated(loadExpectations(file), run.verdicts));
      out(`# wrote ${file}`);
      run.unexpected.length = 0;
    }
    runs.push(run);
  }
  if (runs.length > 1) table(runs, o.verbose);
  if (runs.some((r) => r.unexpected.length > 0)) process.exitCode = 1;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  // leave no namespace behind, then die of the signal as if unhandled
  process.once(sig, () => { destroyAll(); process.kill(process.pid, sig); });
}
main().catch((e: unknown) => {
  process.stderr.write(`conformance: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
});
