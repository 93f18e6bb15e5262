// Installs one build of the suite into a CNI bin dir (default /opt/cni/bin): dist/bin
// (bun-compiled; starts in a few ms on any x86-64-v2), or the dir named by --from (dist/sea:
// the Node SEA with a V8 snapshot). It copies `cnits`, `cnits-portable`, `cnits-shim` and the
// addon `.cnits-<addonId>.node` (loaded from beside cnits: that dir allows exec, /run and /tmp
// often do not) and points one symlink per plugin at the shim (which runs cnits itself unless
// `cnits daemon` serves it, and cnits-portable where cnits cannot start on the CPU). Only our
// names are touched; every replacement is a rename, so a runtime exec'ing a plugin at the same
// moment sees either the old or the new file, never a partial one.
//   node build/install.mjs [--dir DIR] [--only host-local,bridge] [--from dist/sea]
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, lstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const bin = resolve(opt('--from', join(root, 'dist', 'bin')));
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
  // cnits-portable (no V8 snapshot) is what the shim runs where cnits cannot start. Where
  // cnits cannot start here (bun's baseline build below x86-64-v2: SIGILL; a snapshot build on
  // another CPU than the build machine's: exit 14), both names get the portable build, which
  // saves the failed first try on every exec.
  const probe = spawnSync(join(bin, 'cnits'), [], { env: { CNI_COMMAND: 'VERSION' }, argv0: 'host-local' });
  const fast = probe.status === 0 ? 'cnits' : 'cnits-portable';
  if (probe.status !== 0) console.log(`cnits cannot start on this CPU (${probe.signal ?? `exit ${probe.status}`}): installing the portable build as cnits too`);
  // the addon file is named by a hash of its bytes: a new cnits never loads an old one
  const addons = readdirSync(bin).filter((n) => addonName.test(n));
  if (addons.length !== 1) throw new Error(`${bin}: expected one .cnits-<addonId>.node, found ${addons.length}: run npm run build`);
  // addon first, then the executables, then the shim: a new shim must never find an old
  // cnits(-portable) next to it, nor a new cnits its addon missing
  for (const [f, from] of [[addons[0], addons[0]], ['cnits-portable', 'cnits-portable'], ['cnits', fast], ['cnits-shim', 'cnits-shim']]) {
    rmSync(tmp(f), { force: true });
    copyFileSync(join(bin, from), tmp(f));
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
  console.log(`installed cnits, cnits-portable, cnits-shim, ${addons[0]} and ${chosen.join(', ')} from ${bin} into ${dir}`);
}
