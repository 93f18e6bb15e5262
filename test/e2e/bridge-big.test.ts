// Big configs through the BUILT executable (issue "Real nodes", parts 5-7): bridge + host-local
// with thousands of range sets is refused early with code 7 naming the field, leaves nothing,
// and its DEL is quick; a config at the limits (ipam/host-local/limits.ts) works. Scratch
// "host" netns cnitsbigh-*, containers cnitsbigc-*. Subnets 10.160.x.0/24, fd00:160:x::/64.
// The time bounds only say "not minutes" (CI machines are slow and shared): the measured
// numbers are in the branch's report, not asserted here.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { limits } from '../../ipam/host-local/limits';
import { tempDir } from './helpers';
import { addrsOf, canNetns, cleanupNetns, cniIn, ipJson, leftovers, makeNetns, nothingLeft, pluginDir, type Netns } from './netns';

const NET = 'bignet';
const BR = 'cnitsbigbr1';
const NOT_MINUTES_MS = 10_000;
const data = tempDir('big');
let host: Netns;

/** n range sets of one /24 or /64 each: set i is IPv6 when v6(i). */
function rangeSets(n: number, v6: (i: number) => boolean = () => false) {
  return Array.from({ length: n }, (_, i) => [{
    subnet: v6(i) ? `fd00:160:${i.toString(16)}::/64` : `10.${160 + (i >> 8)}.${i & 255}.0/24`,
  }]);
}

function conf(sets: unknown[], extra: Record<string, unknown> = {}) {
  return { cniVersion: '1.1.0', name: NET, type: 'bridge', bridge: BR, isGateway: true, ipam: { type: 'host-local', dataDir: data.path, ranges: sets }, ...extra };
}

async function timed(command: string, ctr: Netns, cf: unknown) {
  const t0 = performance.now();
  const r = await cniIn(host, 'bridge', { command, netns: ctr.path, containerID: ctr.name }, cf, pluginDir);
  return { ...r, ms: performance.now() - t0 };
}

const bridgeThere = (): boolean => ipJson(host, 'link', 'show', 'dev', BR).length === 1;

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'bridge')))('bridge + host-local with big configs', () => {
  beforeEach(() => { host = makeNetns('cnitsbigh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  it('5,000 range sets: code 7 naming ipam.ranges, nothing made; DEL succeeds', async () => {
    const ctr = makeNetns('cnitsbigc');
    const cf = conf(rangeSets(5000));
    const add = await timed('ADD', ctr, cf);
    expect(add.json).toEqual({ code: 7, msg: 'invalid network configuration', details: `ipam.ranges: 5000 range sets, more than the limit of ${limits.rangeSets}` });
    expect(add.code).toBe(1);
    expect(add.ms).toBeLessThan(NOT_MINUTES_MS);
    expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    expect(bridgeThere()).toBe(false);

    // DEL does not apply the limits (it must clean up after whatever made the attachment)
    const del = await timed('DEL', ctr, cf);
    expect([del.code, del.stdout]).toEqual([0, '']);
    expect(del.ms).toBeLessThan(NOT_MINUTES_MS);
    expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    expect(bridgeThere()).toBe(false);
  });

  it(`${limits.rangeSets} range sets (1 IPv4, the rest IPv6, all gateways on the bridge): ADD works, DEL leaves no attachment`, async () => {
    const ctr = makeNetns('cnitsbigc');
    const n = limits.rangeSets;
    const cf = conf(rangeSets(n, (i) => i > 0));
    const add = await timed('ADD', ctr, cf);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.ms).toBeLessThan(NOT_MINUTES_MS);
    expect(add.json.ips).toHaveLength(n);
    expect(addrsOf(ctr, 'eth0')).toHaveLength(n);
    expect(addrsOf(host, BR)).toHaveLength(n);
    expect(readdirSync(join(data.path, NET)).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip'))).toHaveLength(n);

    const del = await timed('DEL', ctr, { ...cf, prevResult: add.json });
    expect([del.code, del.stdout, del.stderr]).toEqual([0, '', '']);
    expect(del.ms).toBeLessThan(NOT_MINUTES_MS);
    expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
  });

  it(`${limits.rangeSets} IPv4 range sets with isGateway: the bridge's second IPv4 gateway is refused as by the reference, nothing left`, async () => {
    const ctr = makeNetns('cnitsbigc');
    const add = await timed('ADD', ctr, conf(rangeSets(limits.rangeSets)));
    expect(add.json).toMatchObject({ code: 999, msg: `"${BR}" already has an IP address different from 10.160.1.1/24` });
    expect(add.ms).toBeLessThan(NOT_MINUTES_MS);
    expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    expect(bridgeThere()).toBe(false);
  });

  it('a config over 1 MiB on stdin: code 7 naming stdin, nothing made', async () => {
    const ctr = makeNetns('cnitsbigc');
    const add = await timed('ADD', ctr, conf(rangeSets(1), { padding: 'x'.repeat(1 << 20) }));
    expect(add.json).toMatchObject({ code: 7, msg: 'invalid network configuration' });
    expect(add.json.details).toMatch(/^stdin: /);
    expect(add.ms).toBeLessThan(NOT_MINUTES_MS);
    expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
    expect(bridgeThere()).toBe(false);
  });
});
