// Process glue: the real stdin/stdout/stderr of a one-shot exec, as skel.run's IO.
import { readSync, statSync, writeSync } from 'node:fs';
import type { LocalTable } from './plugin';
import type { IO } from './skel';

export function processIO(local?: LocalTable): IO {
  return {
    ...(local && { local }),
    env: process.env,
    readStdin: (max) => readAll(0, max),
    stdout: (t) => writeAll(1, t),
    stderr: (t) => writeAll(2, t),
    netnsId,
  };
}

/** dev:ino of a file (a netns path), undefined if it cannot be read. */
export function netnsId(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** Reads fd to its end, or until it has read more than `max` bytes (the caller refuses that much). */
export function readAll(fd: number, max = Infinity): Buffer {
  const chunks: Buffer[] = [];
  const buf = Buffer.allocUnsafe(65536);
  for (let total = 0; total <= max; ) {
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
    total += n;
  }
  return Buffer.concat(chunks);
}

export function writeAll(fd: number, text: string): void {
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
