// `cnits install [--dir DIR] [--only a,b]`: copies the suite from the directory the running
// executable lives in into a CNI bin dir (default /opt/cni/bin). It is what the Kubernetes
// init container runs from a FROM-scratch image (no shell, no cp there), and it works with
// /run and /tmp noexec: it only copies and renames inside DIR.
// Only our names are touched; every file is replaced by a rename from a temporary name in
// DIR itself, so a runtime exec'ing a plugin at that moment sees the old or the new file,
// never half of one. Executables go first and the links to the shim last: a new link never
// points at an old shim, and a new shim never finds an old cnits beside it.
import { parseArgs } from 'node:util';

export interface InstallOptions {
  /** where the suite is (the running executable's directory) */
  from: string;
  dir: string;
  /** plugin names to link; empty = every link in `from` */
  only: readonly string[];
}

export interface Installed {
  files: string[];
  links: string[];
}

export function parseInstallArgs(argv: readonly string[], from: string): InstallOptions {
  const { values } = parseArgs({ args: [...argv], options: { dir: { type: 'string', default: '/opt/cni/bin' }, only: { type: 'string', default: '' } }, strict: true });
  return { from, dir: values.dir, only: values.only ? values.only.split(',').filter(Boolean) : [] };
}

export function install(opts: InstallOptions): Installed {
  const fs = process.getBuiltinModule('node:fs');
  const path = process.getBuiltinModule('node:path');
  const entries = fs.readdirSync(opts.from, { withFileTypes: true }).filter((e) => !e.name.endsWith('.cnits-tmp'));
  const files = entries.filter((e) => e.isFile()).map((e) => e.name)
    // the shim last among the files: links made before it would point at an old one
    .sort((a, b) => Number(a === 'cnits-shim') - Number(b === 'cnits-shim') || a.localeCompare(b));
  const links = entries.filter((e) => e.isSymbolicLink()).map((e) => e.name);
  const unknown = opts.only.filter((n) => !links.includes(n));
  if (unknown.length) throw new Error(`unknown plugin ${unknown.join(', ')}; this build has ${links.join(', ')}`);
  const chosen = opts.only.length ? links.filter((n) => opts.only.includes(n)) : links;
  fs.mkdirSync(opts.dir, { recursive: true });
  const tmp = (name: string) => path.join(opts.dir, `.${name}.cnits-tmp`);
  for (const name of files) {
    const mode = fs.statSync(path.join(opts.from, name)).mode & 0o777;
    fs.rmSync(tmp(name), { force: true });
    fs.copyFileSync(path.join(opts.from, name), tmp(name));
    fs.chmodSync(tmp(name), mode);
    fs.renameSync(tmp(name), path.join(opts.dir, name));
  }
  for (const name of chosen) {
    fs.rmSync(tmp(name), { force: true });
    fs.symlinkSync(fs.readlinkSync(path.join(opts.from, name)), tmp(name));
    fs.renameSync(tmp(name), path.join(opts.dir, name));
  }
  return { files, links: chosen };
}

/** The subcommand: returns the exit status. */
export function runInstall(argv: readonly string[], log: (line: string) => void): number {
  const path = process.getBuiltinModule('node:path');
  const fs = process.getBuiltinModule('node:fs');
  try {
    const opts = parseInstallArgs(argv, path.dirname(fs.realpathSync(process.execPath)));
    const done = install(opts);
    log(`installed ${done.files.join(', ')} and ${done.links.join(', ')} into ${opts.dir}`);
    return 0;
  } catch (err) {
    log(`cnits install: ${(err as Error).message}`);
    log('usage: cnits install [--dir /opt/cni/bin] [--only bridge,host-local]');
    return 2;
  }
}
