// Keeps conformance/expect/{ours,reference}.json true: runs the black-box conformance runner
// (conformance/cli.ts) against our build and against the Debian reference plugins, and
// requires exit 0, i.e. every case ended as its expectation file says (an unexpected PASS
// fails as well as an unexpected FAIL). After a deliberate change of behaviour:
//   npm run conformance -- --plugins dist/bin --update-expectations
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ours } from './helpers';

const root = resolve(__dirname, '../..');
const reference = '/usr/lib/cni';
const isRoot = process.getuid?.() === 0;

async function conformance(dir: string, ...extra: string[]): Promise<{ code: number | null; output: string }> {
  const r = await execa(process.execPath, ['build/ts-run.mjs', 'conformance/cli.ts', '--plugins', dir, ...extra], { cwd: root, all: true, reject: false });
  return { code: r.exitCode ?? null, output: String(r.all) };
}

/** The lines worth reading when the run is red: the unexpected ones and the summary. */
const digest = (output: string): string =>
  output.split('\n').filter((l) => /UNEXPECTED|unexpected|passed, .* failed|^conformance:/.test(l)).join('\n');

describe.skipIf(!isRoot)('conformance runner', () => {
  it.skipIf(!existsSync(join(ours, 'host-local')))(`${ours} matches conformance/expect/ours.json`, async () => {
    const r = await conformance(ours);
    expect(r.code, digest(r.output)).toBe(0);
  }, 600_000);

  // the same cases and expectations with every exec of ours served by `cnits daemon`
  // workers through the shim; a case fails if the daemon declined or missed any exec
  it.skipIf(!existsSync(join(ours, 'host-local')))(`${ours} served by cnits daemon matches conformance/expect/ours.json`, async () => {
    const r = await conformance(ours, '--daemon');
    expect(r.code, digest(r.output)).toBe(0);
  }, 600_000);

  it.skipIf(!existsSync(join(reference, 'host-local')))('/usr/lib/cni matches conformance/expect/reference.json', async () => {
    const r = await conformance(reference);
    expect(r.code, digest(r.output)).toBe(0);
  }, 600_000);
});
