// The bun-compiled cnits: `bun build --compile --bytecode` of the esbuild bundle made for
// runtime 'bun' (lib/runtime.ts), with the addon embedded as a file.
// The compiler is the pinned devDependency @oven/bun-linux-x64-baseline: the baseline
// build runs on any x86-64-v2 CPU (bun's default target needs AVX2 and dies with SIGILL
// without it). `--target` alone would download the runtime to embed (bun looks for it in
// ~/.bun/install/cache and fetches it when missing, even when the running bun is that very
// target); --compile-executable-path points it at the installed binary instead, so the
// build works offline and embeds exactly the pinned version.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
export const bunBinary = join(dirname(require.resolve('@oven/bun-linux-x64-baseline/package.json')), 'bin', 'bun');

/** assets: name -> file, embedded at /$bunfs/root/<name> (lib/runtime.ts embedded()). */
export function bunCompile({ bundle, assets, out, scratch }) {
  // --asset keeps the path as given, relative to the cwd: run from a dir holding the assets
  // under their names, so each lands at /$bunfs/root/<name>
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  for (const [name, file] of Object.entries(assets)) copyFileSync(file, join(scratch, name));
  copyFileSync(bundle, join(scratch, basename(bundle)));
  execFileSync(bunBinary, ['build', '--compile', '--bytecode', '--minify', '--format=cjs',
    '--target=bun-linux-x64-baseline', `--compile-executable-path=${bunBinary}`,
    // a CNI plugin runs in whatever cwd the runtime has: never read a .env or bunfig.toml from it
    '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig',
    // JIT tier-up 10x later: a plugin exec runs most code once, and JIT threads compiling it
    // cost CPU (bridge ADD 25 -> 20 ms) that parallel execs compete for; the daemon resets it
    // (lib/runtime.ts longLived)
    '--compile-jit-policy=10',
    ...Object.keys(assets).map((name) => `--asset=${name}`), `--outfile=${out}`, basename(bundle)], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(scratch, { recursive: true, force: true });
}
