// Process glue: real stdin/stdout/stderr for skel.run, and the multi-call
// dispatch on the name the executable was invoked as (busybox style).
import { readSync, statSync, writeSync } from 'node:fs';
import { runDaemon } from '../daemon/server';
import { runWorker } from '../daemon/worker';
import { setLocalPlugins } from './local';
import type { Plugin } from './plugin';
import { run, type IO } from './skel';

export function processIO(): IO {
  return {
    env: process.env,
    readStdin: () => readAll(0),
    stdout: (t) => writeAll(1, t),
    stderr: (t) => writeAll(2, t),
    netnsId: (path) => {
      try {
        const s = statSync(path);
        return `${s.dev}:${s.ino}`;
      } catch {
        return undefined;
      }
    },
  };
}

/** Picks the plugin from argv0's basename, or from the first argument (`cnits host-local`). */
export async function main(plugins: readonly Plugin[], argv0 = process.argv0, argv = process.argv.slice(2)): Promise<void> {
  const base = (name: string | undefined) => (name ?? '').split('/').pop() ?? '';
  const plugin = plugins.find((p) => p.name === base(argv0)) ?? plugins.find((p) => p.name === argv[0]);
  const log = (line: string) => writeAll(2, `${line}\n`);
  if (!plugin && argv[0] === 'daemon') { process.exitCode = await runDaemon(argv.slice(1), log); return; }
  if (!plugin && argv[0] === 'daemon-worker') { runWorker(plugins, (line) => log(`[${process.pid}] ${line}`)); return; }
  if (!plugin) {
    writeAll(2, `cni-ts multi-call CNI plugin; invoke as one of: ${plugins.map((p) => p.name).join(', ')}, or as \`cnits daemon [--socket PATH] [--workers N]\`\n`);
    process.exitCode = 1;
    return;
  }
  // only the standalone executable can stand in for a delegate found on CNI_PATH
  if (process.getBuiltinModule('node:sea').isSea()) setLocalPlugins(plugins, process.execPath);
  process.exitCode = await run(plugin, processIO());
}

function readAll(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const buf = Buffer.allocUnsafe(65536);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // non-blocking pipe from the runtime
      if (code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text);
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
