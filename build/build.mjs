// One command builds both executables of the suite from the same sources, each in a
// plugin dir of its own: the multi-call `cnits`, `cnits-portable` (the Node SEA without
// snapshot, for CPUs where cnits cannot start), `cnits-shim` (C: hands an invocation to
// `cnits daemon` if one runs, else runs cnits, or cnits-portable if cnits cannot start),
// one symlink per plugin name, and the addon file beside cnits.
//   dist/bin/       cnits compiled by bun (bytecode; starts in a few ms, on any x86-64-v2):
//                   what install.mjs and the image ship
//   dist/sea/       cnits as a Node 20 SEA with a V8 startup snapshot (CPUs like the build machine's)
//   dist/portable/  the Node SEA without snapshot (any x86-64 that runs Node)
// Steps: 1. plugin registry and standalone ajv validators (build/gen.mjs)   2. the C addon
// (node-gyp, offline)   3. esbuild bundles, one per runtime (lib/runtime.ts)   4. bun
// executable (build/bun.mjs)   5. SEAs via @yao-pkg/pkg's API   6. shims, links, addon files.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bunCompile } from './bun.mjs';
import { gen, pluginNames } from './gen.mjs';
import { buildNodeAgent } from './build-node.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');
const step = (what) => console.log(`build: ${what}`);

step('registry and validators'); gen();

step('addon (node-gyp)');
const gyp = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
execFileSync(process.execPath, [gyp, 'rebuild', '--nodedir=/usr', '--silent'], { cwd: join(root, 'lib/native'), stdio: 'inherit' });
const addon = join(root, 'lib/native/build/Release/cnits.node');
// names the addon file beside cnits (and in /run/cnits): a new build never loads an old file
const addonId = createHash('sha256').update(readFileSync(addon)).digest('hex').slice(0, 16);

step('bundles (esbuild)');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
// One id for every executable of this build: a shim talks only to a daemon of its own
// build, and the shims of dist/bin and dist/sea may be served by either's daemon.
const buildId = `${version}-${randomBytes(6).toString('hex')}`;
/** The bundle for one runtime of lib/runtime.ts; the other runtime's branches are dropped. */
async function bundle(runtime, outfile) {
  await build({
    entryPoints: [join(root, 'build/entry.ts')], outfile, bundle: true, platform: 'node',
    target: 'node20', format: 'cjs', minify: true, legalComments: 'none', logLevel: 'warning',
    define: { __CNITS_RUNTIME__: JSON.stringify(runtime), __CNITS_VERSION__: JSON.stringify(version), __CNITS_BUILD_ID__: JSON.stringify(buildId),
      __CNITS_ADDON_ID__: JSON.stringify(addonId), 'import.meta.url': '"file:///cnits.cjs"' },
  });
  return outfile;
}
const seaBundle = await bundle('sea', join(dist, 'cnits.cjs'));
const bunBundle = await bundle('bun', join(dist, 'cnits-bun.cjs'));

/** cnits-shim, the plugin links and the addon beside an executable `cnits` in `dir`. */
function finish(dir) {
  // the plugin names point at the shim: it runs cnits itself unless a daemon serves it
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-static', `-DCNITS_BUILD_ID="${buildId}"`,
    '-o', join(dir, 'cnits-shim'), join(root, 'lib/daemon/shim.c')], { stdio: 'inherit' });
  for (const name of pluginNames()) symlinkSync('cnits-shim', join(dir, name));
  // the addon beside cnits, where lib/native/load.ts looks first: the dir of the executable
  // is on a filesystem that allows exec, unlike /run or /tmp on many nodes
  const beside = join(dir, `.cnits-${addonId}.node`);
  writeFileSync(`${beside}.tmp`, readFileSync(addon), { mode: 0o644 });
  renameSync(`${beside}.tmp`, beside);
}

step('node agent bundle (esbuild)');
await buildNodeAgent({ version, buildId, addonId });

step('bun executable (bun build --compile)');
mkdirSync(join(dist, 'bin'), { recursive: true });
bunCompile({ bundle: bunBundle, assets: { 'cnits.node': addon, 'node-agent.cjs': join(dist, 'node-agent.cjs') }, out: join(dist, 'bin', 'cnits'), scratch: join(root, '.tmp', 'bun') });
finish(join(dist, 'bin'));

step('SEA with startup snapshot (@yao-pkg/pkg)');
// pkg 6.14.2 bakes with `npx postject` from a dir under os.tmpdir(): keep that inside the
// project so npx finds node_modules/.bin/postject instead of asking to download it.
process.env.TMPDIR = join(root, '.tmp');
mkdirSync(process.env.TMPDIR, { recursive: true });
const sea = require('@yao-pkg/pkg/lib-es5/sea').default;
async function seaBuild(out, seaConfig) {
  mkdirSync(dirname(out), { recursive: true });
  await sea(seaBundle, {
    targets: [{ nodeRange: `node${process.versions.node.split('.')[0]}`, platform: 'linux', arch: 'x64', output: out }],
    nodePath: process.execPath, signature: false,
    seaConfig: { disableExperimentalSEAWarning: true, assets: { 'cnits.node': addon, 'node-agent.cjs': join(dist, 'node-agent.cjs') }, ...seaConfig },
  });
  // pkg swallows bake errors (Promise.allSettled): make sure the blob went in
  if (statSync(out).size === statSync(process.execPath).size) throw new Error('pkg: SEA blob was not injected');
  finish(dirname(out));
}
await seaBuild(join(dist, 'sea', 'cnits'), { useSnapshot: true });
// A V8 startup snapshot only loads on a CPU with the features of the build machine
// (V8 derives flags from them; a mismatch exits 14 before any of our code runs). The
// portable build has no snapshot and starts on any x86-64 that runs Node. It ships in
// dist/bin and dist/sea as cnits-portable: the shim runs it when cnits did not start (bun's
// baseline build dies of SIGILL below x86-64-v2; the snapshot exits 14 on another CPU), so a
// dir copied to another machine (an image) still answers. dist/portable (its own shim and
// links) is what the emulated-CPU VM suites test directly.
step('portable SEA (no snapshot)');
await seaBuild(join(dist, 'portable', 'cnits'), { useCodeCache: true });
for (const b of ['bin', 'sea']) linkSync(join(dist, 'portable', 'cnits'), join(dist, b, 'cnits-portable'));
console.log(`build: done -> ${join(dist, 'bin')} (bun), ${join(dist, 'sea')} (Node SEA), ${join(dist, 'portable')}: cnits, cnits-portable, cnits-shim + ${pluginNames().join(', ')}; build ${buildId}`);
