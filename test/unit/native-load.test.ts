// The addon loader's fallback list (lib/native/load.ts) on real files in a scratch dir, with
// a stand-in dlopen that records what it was asked to load; the real dlopen through the
// built executables is test/e2e/addon-noexec.test.ts.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFrom, places, type Place } from '../../lib/native/load';

const bytes = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]);
let root: string;
let opened: string[];
let reads: number;

/** dlopen stand-in: fails for files under any dir in `noexec`, like a noexec mount does */
function deps(noexec: string[] = [], over: Partial<Parameters<typeof loadFrom>[1]> = {}) {
  return {
    fs,
    bytes: () => { reads++; return bytes; },
    dlopen: (file: string) => {
      if (noexec.some((d) => file.startsWith(`${d}/`))) throw new Error(`${file}: failed to map segment from shared object`);
      opened.push(file);
      expect(fs.readFileSync(file)).toEqual(Buffer.from(bytes));
      return file;
    },
    euid: process.geteuid!(),
    exeOwner: () => process.geteuid!(),
    ...over,
  };
}
const dir = (name: string, mode = 0o755) => {
  const d = join(root, name);
  fs.mkdirSync(d, { mode });
  fs.chmodSync(d, mode);
  return d;
};
const beside = (d: string): Place => ({ kind: 'cache', file: join(d, '.cnits-abc.node'), dir: d, besideExe: true });
const runCache = (d: string): Place => ({ kind: 'cache', file: join(d, 'cnits-abc.node'), dir: d, besideExe: false });

describe('addon loader', () => {
  beforeEach(() => {
    root = fs.mkdtempSync(join(tmpdir(), 'cnitsnx-unit-'));
    opened = [];
    reads = 0;
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('tries beside the executable, then /run/cnits, then a private temp dir', () => {
    expect(places('/opt/cni/bin', 'abc', '/tmp')).toEqual([
      { kind: 'cache', file: '/opt/cni/bin/.cnits-abc.node', dir: '/opt/cni/bin', besideExe: true },
      { kind: 'cache', file: '/run/cnits/cnits-abc.node', dir: '/run/cnits', besideExe: false },
      { kind: 'temp', parent: '/tmp' },
    ]);
  });

  it('loads an installed file beside the executable without reading the asset', () => {
    const bin = dir('bin');
    fs.writeFileSync(join(bin, '.cnits-abc.node'), bytes, { mode: 0o644 });
    expect(loadFrom([beside(bin), { kind: 'temp', parent: root }], deps())).toBe(join(bin, '.cnits-abc.node'));
    expect(reads).toBe(0);
  });

  it('writes a missing file beside the executable (0644, no temp name left) and loads it', () => {
    const bin = dir('bin');
    loadFrom([beside(bin)], deps());
    expect(opened).toEqual([join(bin, '.cnits-abc.node')]);
    expect(fs.statSync(join(bin, '.cnits-abc.node')).mode & 0o777).toBe(0o644);
    expect(fs.readdirSync(bin)).toEqual(['.cnits-abc.node']);
  });

  it('makes the /run/cnits-like cache dir 0700 when missing', () => {
    const run = join(root, 'run-cnits');
    loadFrom([runCache(run)], deps());
    expect(fs.statSync(run).mode & 0o777).toBe(0o700);
    expect(opened).toEqual([join(run, 'cnits-abc.node')]);
  });

  it('does not write into a dir others can write, nor trust files they could have swapped', () => {
    const open = dir('open', 0o777);
    const grp = dir('grp');
    fs.writeFileSync(join(grp, '.cnits-abc.node'), bytes, { mode: 0o664 });
    fs.chmodSync(join(grp, '.cnits-abc.node'), 0o664);
    const lnk = dir('lnk');
    fs.writeFileSync(join(root, 'elsewhere.node'), bytes);
    fs.symlinkSync(join(root, 'elsewhere.node'), join(lnk, '.cnits-abc.node'));
    const err = () => loadFrom([beside(open), beside(grp), beside(lnk)], deps());
    expect(err).toThrow(`${join(open, '.cnits-abc.node')}: missing, and not written: ${open} is writable by group or others`);
    expect(err).toThrow(`${join(grp, '.cnits-abc.node')}: writable by group or others (mode 664)`);
    expect(err).toThrow(`${join(lnk, '.cnits-abc.node')}: not a regular file`);
    expect(fs.readdirSync(open)).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('trusts a file beside the executable owned by the executable\'s owner (a user namespace maps root away)', () => {
    const bin = dir('bin');
    fs.writeFileSync(join(bin, '.cnits-abc.node'), bytes, { mode: 0o644 });
    const euid = process.geteuid!() + 1000;
    expect(() => loadFrom([beside(bin)], deps([], { euid, exeOwner: () => euid }))).toThrow('owned by uid');
    loadFrom([beside(bin)], deps([], { euid, exeOwner: () => process.geteuid!() }));
    expect(opened).toEqual([join(bin, '.cnits-abc.node')]);
  });

  it('falls through noexec places to the private temp dir, which it removes after dlopen', () => {
    const run = join(root, 'run-cnits');
    const tmp = dir('tmp');
    const bin = dir('bin');
    expect(loadFrom([beside(bin), runCache(run), { kind: 'temp', parent: tmp }], deps([bin, run]))).toMatch(new RegExp(`^${tmp}/cnits-\\w+/cnits.node$`));
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('when nothing works, one error names every place and why', () => {
    const run = join(root, 'run-cnits');
    const tmp = dir('tmp');
    const bin = dir('bin');
    fs.chmodSync(bin, 0o775);
    let msg = '';
    try {
      loadFrom([beside(bin), runCache(run), { kind: 'temp', parent: tmp }], deps([run, tmp]));
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toBe(`cannot load the cnits addon (tried ${bin}/.cnits-abc.node: missing, and not written: ${bin} is writable by group or others; ` +
      `${run}/cnits-abc.node: failed to map segment from shared object; a private dir in ${tmp}: failed to map segment from shared object); ` +
      'it must sit on a filesystem mounted with exec: reinstall with build/install.mjs, which puts it beside cnits');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('names the errno of a failed write (read-only dir → EROFS; here a missing parent → ENOENT)', () => {
    const gone = join(root, 'gone', 'bin');
    expect(() => loadFrom([beside(gone)], deps())).toThrow(`${gone}/.cnits-abc.node: missing, and not written: ENOENT: no such file or directory`);
  });
});
