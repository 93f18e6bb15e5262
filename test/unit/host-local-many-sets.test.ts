// host-local's verbs over many range sets with a FakeStore: the one-pass ADD and the two-pass
// DEL keep the reference's per-set semantics (duplicate refusal naming the first held address,
// requested addresses placed in their set, legacy leases released as N ReleaseByID calls would).
import { describe, expect, it } from 'vitest';
import { FakeStore } from '../../ipam/host-local/fake-store';
import { makeHostLocalFuncs } from '../../ipam/host-local/host-local';
import type { CmdArgs, NetConf, Verb } from '../../lib/cni/plugin';
import { CniError } from '../../lib/cni/errors';

const sets = (n: number) => Array.from({ length: n }, (_, k) => [{ subnet: `10.${100 + (k >> 8)}.${k & 255}.0/24` }]);

function cmd(command: Verb, ranges: unknown, extra: Record<string, unknown> = {}): CmdArgs {
  const conf = { cniVersion: '1.0.0', name: 'bignet', ipam: { type: 'host-local', ranges }, ...extra } as NetConf;
  return { command, containerID: 'ctr', netns: '/var/run/netns/x', ifName: 'eth0', args: '', path: [], stdin: Buffer.from(''), conf, env: {}, stderr: () => undefined };
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CniError) return err.message;
    throw err;
  }
  throw new Error('expected an error');
}

describe('host-local over many range sets', () => {
  it('ADD takes one address per set; a second ADD is refused naming the first held address; DEL frees all', async () => {
    const store = new FakeStore();
    const hl = makeHostLocalFuncs(() => store);
    const r = await hl.add(cmd('ADD', sets(256)));
    expect(r.ips).toHaveLength(256);
    expect(r.ips?.[255]).toEqual({ address: '10.100.255.2/24', gateway: '10.100.255.1' });
    expect(store.leases.size).toBe(256);
    expect(await failure(hl.add(cmd('ADD', sets(256))))).toBe(
      'failed to allocate for range 0: 10.100.0.2 has been allocated to ctr, duplicate allocation is not allowed');
    expect(store.leases.size).toBe(256); // the failed second ADD released nothing of the first: its own allocations were none
    await hl.del(cmd('DEL', sets(256)));
    expect(store.leases.size).toBe(0);
  });

  it.each([
    // [requested, want addresses or error]
    [['10.100.3.9', '10.100.1.7'], { 1: '10.100.1.7/24', 3: '10.100.3.9/24' }],
    [['10.100.3.9', '10.100.3.9'], { 3: '10.100.3.9/24' }],
    [['10.100.3.9', '10.100.3.10'], 'failed to allocate all requested IPs: 10.100.3.10'],
    [['10.200.0.1'], 'failed to allocate all requested IPs: 10.200.0.1'],
  ])('requested %j', async (ips, want) => {
    const store = new FakeStore();
    const hl = makeHostLocalFuncs(() => store);
    const add = hl.add(cmd('ADD', sets(8), { runtimeConfig: { ips } }));
    if (typeof want === 'string') {
      expect(await failure(add)).toBe(want);
      expect(store.leases.size).toBe(0);
      return;
    }
    const r = await add;
    for (const [idx, addr] of Object.entries(want)) expect(r.ips?.[Number(idx)]?.address).toBe(addr);
  });

  it.each([
    // [range sets, leases kept] — the reference calls ReleaseByID once per set: with one set the
    // legacy lease (container ID only) survives when a current one was found, with two or more it goes
    [1, ['10.100.0.9']],
    [2, []],
    [200, []],
  ])('DEL with %i range sets and a legacy lease', async (n, kept) => {
    const store = new FakeStore({ '10.100.0.2': 'ctr\r\neth0', '10.100.0.9': 'ctr', '10.100.0.10': 'other\r\neth0' });
    await makeHostLocalFuncs(() => store).del(cmd('DEL', sets(n)));
    expect([...store.leases.keys()].sort()).toEqual([...kept, '10.100.0.10'].sort());
  });
});
