// Runs a TypeScript entry point (tools, not plugins): bundles it with esbuild into
// .tmp/ and runs it with the remaining arguments.  node build/ts-run.mjs FILE.ts [args...]
import { build } from 'esbuild';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...rest] = process.argv.slice(2);
if (!entry) throw new Error('usage: node build/ts-run.mjs FILE.ts [args...]');
const out = join(root, '.tmp', 'ts-run', `${basename(entry, '.ts')}.mjs`);
await build({
  entryPoints: [resolve(entry)], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'esm',
  packages: 'external', logLevel: 'warning', sourcemap: 'inline',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
process.argv = [process.argv[0], out, ...rest];
await import(pathToFileURL(out).href);
