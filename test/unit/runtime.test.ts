// lib/runtime.ts from source (tests, tools): no build-time define, so neither build's
// branch runs: not standalone (the addon comes from lib/native/build), no JIT change.
import { describe, expect, it } from 'vitest';
import { longLived, runtime, standalone } from '../../lib/runtime';

describe('runtime seam, from source', () => {
  it('is "source": not a standalone executable', () => {
    expect(runtime()).toBe('source');
    expect(standalone()).toBe(false);
  });
  it('longLived() is a no-op outside the bun build', () => {
    expect(() => longLived()).not.toThrow();
  });
});
