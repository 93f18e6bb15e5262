// Where the standalone executable dlopen()s its addon from. The addon is a SEA asset, and
// dlopen needs a file on a filesystem mounted with exec. On real nodes /run, /tmp and
// /var/tmp are often noexec (Debian/Ubuntu initramfs /run, kind nodes, CIS-hardened
// hosts), but the dir holding the executable allows exec: we are running from it. So
// the addon is kept beside the executable, and the older places are fallbacks.
type Fs = typeof import('node:fs');
type Stats = import('node:fs').Stats;

export type Place =
  /** A cache file that is dlopen'ed in place; written (temp name + rename) when missing. */
  | { kind: 'cache'; file: string; dir: string; besideExe: boolean }
  /** A private dir made under `parent`, removed right after dlopen (the mapping outlives the file). */
  | { kind: 'temp'; parent: string };

/** The file name of the addon beside the executable: hidden, so nothing listing the CNI bin dir takes it for a plugin. */
export const besideExeName = (addonId: string): string => `.cnits-${addonId}.node`;

/**
 * Every place the addon may be loaded from, best first. addonId is a hash of the addon's
 * bytes (build/build.mjs), so a new build never loads the file of an old one.
 */
export function places(exeDir: string, addonId: string, tmpDir: string): Place[] {
  return [
    // written by the build and by build/install.mjs; by the loader where it is missing
    { kind: 'cache', file: `${exeDir}/${besideExeName(addonId)}`, dir: exeDir, besideExe: true },
    // root-only cache of earlier releases; made on demand, useless where /run is noexec
    { kind: 'cache', file: `/run/cnits/cnits-${addonId}.node`, dir: '/run/cnits', besideExe: false },
    // TMPDIR or /tmp: lets an operator point TMPDIR at an exec-able dir as a last resort
    { kind: 'temp', parent: tmpDir },
  ];
}

export interface LoadDeps<T> {
  fs: Fs;
  /** the addon's bytes (the SEA asset); only read when a file has to be written */
  bytes: () => Uint8Array;
  dlopen: (file: string) => T;
  euid: number;
  /** owner of the executable: a cache file beside it owned by the same uid is as trusted as the executable */
  exeOwner: () => number;
}

/**
 * Loads from the first place that works. Throws one Error naming every place tried and
 * why it failed; the skel reports it as CNI error code 999.
 */
export function loadFrom<T>(list: readonly Place[], deps: LoadDeps<T>): T {
  const tried: string[] = [];
  for (const place of list) {
    try {
      return place.kind === 'cache' ? fromCache(place, deps) : fromTemp(place.parent, deps);
    } catch (err) {
      tried.push(`${place.kind === 'cache' ? place.file : `a private dir in ${place.parent}`}: ${reason(err)}`);
    }
  }
  throw new Error(`cannot load the cnits addon (tried ${tried.join('; ')}); ` +
    `it must sit on a filesystem mounted with exec: reinstall with build/install.mjs, which puts it beside cnits`);
}

/** A failure we explain ourselves, without the file name the caller already prints. */
class Refused extends Error {}

function reason(err: unknown): string {
  if (err instanceof Refused) return err.message;
  const e = err as NodeJS.ErrnoException;
  // dlerror() reads "<file>: <why>"; the file is already named
  const msg = String(e?.message ?? err).replace(/^\S+\.node: /, '');
  // fs errors read "EROFS: read-only file system, open '<file>'"
  return e?.syscall ? msg.split(',')[0]! : msg;
}

function fromCache<T>(p: Extract<Place, { kind: 'cache' }>, deps: LoadDeps<T>): T {
  const { fs } = deps;
  let st: Stats | undefined;
  try {
    st = fs.lstatSync(p.file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (st) {
    // beside the executable the dir is not checked: whoever can write it can replace cnits itself
    if (!p.besideExe) safeDir(fs, p.dir, deps.euid);
    trustedFile(st, deps, p.besideExe);
    return deps.dlopen(p.file);
  }
  try {
    if (!p.besideExe) makeDir(fs, p.dir);
    safeDir(fs, p.dir, deps.euid);
    writeAtomically(fs, p.file, deps.bytes(), p.besideExe ? 0o644 : 0o700);
  } catch (err) {
    throw new Refused(`missing, and not written: ${reason(err)}`);
  }
  trustedFile(fs.lstatSync(p.file), deps, p.besideExe);
  return deps.dlopen(p.file);
}

function fromTemp<T>(parent: string, deps: LoadDeps<T>): T {
  const { fs } = deps;
  const dir = fs.mkdtempSync(`${parent}/cnits-`);
  try {
    const file = `${dir}/cnits.node`;
    fs.writeFileSync(file, deps.bytes(), { mode: 0o700 });
    return deps.dlopen(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A regular file (not a symlink), not writable by group or others, owned by us (or, beside the executable, by its owner). */
function trustedFile(st: Stats, deps: LoadDeps<unknown>, besideExe: boolean): void {
  if (!st.isFile()) throw new Refused('not a regular file');
  if ((st.mode & 0o022) !== 0) throw new Refused(`writable by group or others (mode ${(st.mode & 0o777).toString(8)})`);
  if (st.uid !== deps.euid && !(besideExe && st.uid === deps.exeOwner())) throw new Refused(`owned by uid ${st.uid}, not by us`);
}

/** A real dir (not a symlink) of ours that nobody else can write to. */
function safeDir(fs: Fs, dir: string, euid: number): void {
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Refused(`${dir} is not a directory`);
  if (st.uid !== euid) throw new Refused(`${dir} is owned by uid ${st.uid}, not by us`);
  if ((st.mode & 0o022) !== 0) throw new Refused(`${dir} is writable by group or others`);
}

function makeDir(fs: Fs, dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** temp name + rename: a concurrent exec sees the whole file or none (both writers write the same bytes). */
function writeAtomically(fs: Fs, file: string, bytes: Uint8Array, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes, { mode, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
