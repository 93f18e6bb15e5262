// Installs the built executables into a CNI bin dir (default /opt/cni/bin):
// copies `cnits`, `cnits-shim` and the addon `.cnits-<addonId>.node` (loaded from
// beside cnits: that dir allows exec, /run and /tmp often do not) and points one
// symlink per plugin at the shim (which runs cnits itself unless `cnits daemon`
// serves it). Only our names are touched; every replacement is a rename, so a
// runtime exec'ing a plugin at the same moment sees either the old or the new
// file, never a partial one.
//   node build/install.mjs [--dir DIR] [--only host-local,bridge]
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, lstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'dist', 'bin');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const dir = resolve(opt('--dir', '/opt/cni/bin'));
const addonName = /^\.cnits-[0-9a-f]{16}\.node$/;
const names = readdirSync(bin).filter((n) => n !== 'cnits' && lstatSync(join(bin, n)).isSymbolicLink());
const only = opt('--only', '');
const chosen = only ? only.split(',').filter((n) => names.includes(n)) : names;
if (only && chosen.length !== only.split(',').length) {
  console.error(`unknown plugin in --only ${only}; built: ${names.join(', ')}`);
  process.exitCode = 1;
} else {
  mkdirSync(dir, { recursive: true });
  const tmp = (n) => join(dir, `.${n}.cnits-tmp`);
  // the snapshot build starts only on a CPU like the build machine's (exit 14 otherwise)
  const probe = spawnSync(join(bin, 'cnits'), [], { env: { CNI_COMMAND: 'VERSION' }, argv0: 'host-local' });
  const source = probe.status === 0 ? bin : join(root, 'dist', 'portable');
  if (probe.status !== 0) console.log(`the snapshot build cannot start on this CPU (exit ${probe.status}): installing the portable build`);
  // the addon file is named by a hash of its bytes: a new cnits never loads an old one
  const addons = readdirSync(source).filter((n) => addonName.test(n));
  if (addons.length !== 1) throw new Error(`${source}: expected one .cnits-<addonId>.node, found ${addons.length}: run npm run build`);
  // addon first, then cnits, then the shim: a new shim must never find an old cnits next
  // to it, nor a new cnits its addon missing
  for (const f of [addons[0], 'cnits', 'cnits-shim']) {
    rmSync(tmp(f), { force: true });
    copyFileSync(join(source, f), tmp(f));
    // not group/other writable, or the loader does not trust it
    if (f === addons[0]) chmodSync(tmp(f), 0o644);
    renameSync(tmp(f), join(dir, f));
  }
  for (const n of chosen) {
    rmSync(tmp(n), { force: true });
    symlinkSync('cnits-shim', tmp(n));
    renameSync(tmp(n), join(dir, n));
  }
  // addons of earlier builds; an old cnits still starting up rewrites its own if it needs it
  for (const n of readdirSync(dir)) if (addonName.test(n) && n !== addons[0]) rmSync(join(dir, n), { force: true });
  console.log(`installed cnits, cnits-shim, ${addons[0]} and ${chosen.join(', ')} into ${dir}`);
}
