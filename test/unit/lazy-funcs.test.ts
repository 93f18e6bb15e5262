// lazyFuncs: a plugin's verb module is imported once, on the first verb call, and a verb the
// module does not define stays a no-op (the skel's `funcs.check?.()` semantics).
import { describe, expect, it } from 'vitest';
import { lazyFuncs, type CmdArgs, type PluginFuncs } from '../../lib/cni/plugin';

describe('lazyFuncs', () => {
  it('loads the verbs once, on the first call, and forwards each verb', async () => {
    const calls: string[] = [];
    let loads = 0;
    const funcs: PluginFuncs = {
      add: async () => { calls.push('add'); return { cniVersion: '1.1.0' }; },
      del: async () => { calls.push('del'); },
    };
    const lazy = lazyFuncs(async () => { loads++; return { funcs }; });
    expect(loads).toBe(0);
    const args = {} as CmdArgs;
    await expect(lazy.add(args)).resolves.toEqual({ cniVersion: '1.1.0' });
    await lazy.del(args);
    await expect(lazy.check?.(args)).resolves.toBeUndefined();
    await expect(lazy.gc?.(args)).resolves.toBeUndefined();
    expect([loads, calls]).toEqual([1, ['add', 'del']]);
  });
});
