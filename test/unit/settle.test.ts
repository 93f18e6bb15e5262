import { expect, it } from 'vitest';
import { start } from '../../lib/settle';

it('reports a failure later without an unhandled rejection in between', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (r: unknown) => unhandled.push(r);
  process.on('unhandledRejection', onUnhandled);
  try {
    const p = start(Promise.reject(new Error('boom')));
    await new Promise((ok) => setTimeout(ok, 20));
    await expect(p.done()).rejects.toThrow('boom');
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

it('resolves for success and for no work', async () => {
  await expect(start(Promise.resolve(42)).done()).resolves.toBeUndefined();
  await expect(start(undefined).done()).resolves.toBeUndefined();
});
