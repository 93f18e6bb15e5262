import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { flock, LOCK_EX, LOCK_UN } from '../../lib/native';

describe('native flock', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'cnits-flock-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('excludes another process while held, and releases', () => {
    const file = join(dir, 'lock');
    const fd = openSync(file, 'w');
    try {
      flock(fd, LOCK_EX);
      // util-linux flock -n exits 1 when the lock is held elsewhere
      expect(() => execFileSync('flock', ['-n', file, 'true'])).toThrow();
      flock(fd, LOCK_UN);
      expect(execFileSync('flock', ['-n', file, 'echo', 'free']).toString().trim()).toBe('free');
    } finally {
      closeSync(fd);
    }
  });

  it('reports errno names', () => {
    expect(() => flock(987654, LOCK_EX)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'flock' }));
  });
});
