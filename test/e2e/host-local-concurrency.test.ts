// Concurrent allocation: ours alone, and ours and the Go host-local on one dataDir.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cni, hasReference, ours, pool, reference, tempDir } from './helpers';

let dir: { path: string; cleanup: () => void };
beforeEach(() => { dir = tempDir('hlc'); });
afterEach(() => dir.cleanup());

const conf = (version = '1.0.0') => ({
  cniVersion: version, name: 'concnet', type: 'bridge',
  ipam: { type: 'host-local', dataDir: dir.path, ranges: [[{ subnet: '10.30.0.0/23' }]] },
});

function leases(): Map<string, string> {
  const d = join(dir.path, 'concnet');
  return new Map(readdirSync(d).filter((f) => /^\d/.test(f)).map((f) => [f, readFileSync(join(d, f), 'utf8')]));
}

it('20 parallel ADDs get 20 distinct addresses; 20 parallel DELs free them all', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => `par${i}`);
  const adds = await Promise.all(ids.map((id) => cni('host-local', { command: 'ADD', containerID: id }, conf())));
  expect(adds.map((r) => r.code)).toEqual(ids.map(() => 0));
  const addrs = adds.map((r) => r.json.ips[0].address);
  expect(new Set(addrs).size).toBe(20);
  expect(leases().size).toBe(20);
  for (const [i, r] of adds.entries()) expect(leases().get(r.json.ips[0].address.split('/')[0])).toBe(`par${i}\r\neth0`);
  const dels = await Promise.all(ids.map((id) => cni('host-local', { command: 'DEL', containerID: id }, conf())));
  expect(dels.map((r) => r.code)).toEqual(ids.map(() => 0));
  expect(leases().size).toBe(0);
});

it.skipIf(!hasReference)('ours and the Go host-local allocate concurrently from one dataDir: 200 ADDs, no duplicate, no error', async () => {
  const n = 200;
  const jobs = Array.from({ length: n }, (_, i) => () =>
    cni('host-local', { command: 'ADD', containerID: `mix${i}` }, conf(), i % 2 ? reference : ours));
  const results = await pool(8, jobs);
  const failed = results.filter((r) => r.code !== 0);
  expect(failed.map((r) => r.stdout + r.stderr)).toEqual([]);
  const addrs = results.map((r) => r.json.ips[0].address);
  expect(new Set(addrs).size).toBe(n);
  const onDisk = leases();
  expect(onDisk.size).toBe(n);
  for (const [i, r] of results.entries()) expect(onDisk.get(r.json.ips[0].address.split('/')[0])).toBe(`mix${i}\r\neth0`);
  // and each releases what the other allocated
  const dels = await pool(8, Array.from({ length: n }, (_, i) => () =>
    cni('host-local', { command: 'DEL', containerID: `mix${i}` }, conf(), i % 2 ? ours : reference)));
  expect(dels.filter((r) => r.code !== 0)).toEqual([]);
  expect(leases().size).toBe(0);
}, 180_000);
