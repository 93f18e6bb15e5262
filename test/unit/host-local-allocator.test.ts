import { describe, expect, it } from 'vitest';
import { type IPNum, formatIPNum, parseCIDRNum, parseIPNum } from '../../lib/ip';
import { IPAllocator } from '../../ipam/host-local/allocator';
import { FakeStore } from '../../ipam/host-local/fake-store';
import { type Range, canonicalizeRange } from '../../ipam/host-local/range';
import type { RangeSet } from '../../ipam/host-local/range-set';
import { errorOf } from './error-of';

const ip = (s: string): IPNum => parseIPNum(s)!;

function mk(subnet: string, opts: { start?: string; end?: string; gw?: string } = {}): Range {
  return canonicalizeRange({
    subnet: parseCIDRNum(subnet)!,
    rangeStart: opts.start ? ip(opts.start) : undefined,
    rangeEnd: opts.end ? ip(opts.end) : undefined,
    gateway: opts.gw ? ip(opts.gw) : undefined,
  });
}

const set = (...subnets: string[]): RangeSet => subnets.map((s) => mk(s));

function drain(alloc: IPAllocator): string[] {
  const it = alloc.iter();
  const out: string[] = [];
  for (let c = it.next(); c; c = it.next()) {
    out.push(formatIPNum(c.ip));
    if (out.length > 1000) throw new Error('iterator does not stop');
  }
  return out;
}


describe('RangeIter', () => {
  it.each([
    ['from the beginning', undefined, ['192.168.1.2', '192.168.1.3', '192.168.1.4', '192.168.1.5', '192.168.1.6']],
    ['from the end', '192.168.1.6', ['192.168.1.2', '192.168.1.3', '192.168.1.4', '192.168.1.5', '192.168.1.6']],
    ['from the middle', '192.168.1.3', ['192.168.1.4', '192.168.1.5', '192.168.1.6', '192.168.1.2', '192.168.1.3']],
    ['last reserved outside the set', '10.9.9.9', ['192.168.1.2', '192.168.1.3', '192.168.1.4', '192.168.1.5', '192.168.1.6']],
    ['unparsable last reserved', '192.168.1.3\n', ['192.168.1.2', '192.168.1.3', '192.168.1.4', '192.168.1.5', '192.168.1.6']],
  ])('loops %s, skipping the gateway', (_name, last, want) => {
    const store = new FakeStore({}, last === undefined ? {} : { 0: last });
    expect(drain(new IPAllocator(set('192.168.1.0/29'), store, 0))).toEqual(want);
  });

  it('wraps across the ranges of a set', () => {
    const s = [mk('10.0.0.0/29', { start: '10.0.0.5' }), mk('10.0.1.0/29', { end: '10.0.1.3' })];
    const store = new FakeStore({}, { 3: '10.0.1.2' });
    expect(drain(new IPAllocator(s, store, 3))).toEqual(['10.0.1.3', '10.0.0.5', '10.0.0.6', '10.0.1.2']);
  });

  it('starts at the next range when the last reserved IP ends a range', () => {
    const s = [mk('192.168.1.0/30', { start: '192.168.1.0', end: '192.168.1.3' }), mk('192.168.2.0/30', { start: '192.168.2.0', end: '192.168.2.3' })];
    const store = new FakeStore({}, { 0: '192.168.1.3' });
    expect(drain(new IPAllocator(s, store, 0))).toEqual([
      '192.168.2.0',
      '192.168.2.2',
      '192.168.2.3',
      '192.168.1.0',
      '192.168.1.2',
      '192.168.1.3',
    ]);
  });

  it('stops when the only address is the gateway', () => {
    const s = [mk('10.0.0.0/24', { start: '10.0.0.1', end: '10.0.0.1' })];
    expect(drain(new IPAllocator(s, new FakeStore(), 0))).toEqual([]);
  });
});

describe('allocation', () => {
  it.each<[string, string[], Record<string, string>, string | undefined, string]>([
    ['fresh start', ['10.0.0.0/29'], {}, undefined, '10.0.0.2/29'],
    ['fresh start v6', ['2001:db8:1::0/64'], {}, undefined, '2001:db8:1::2/64'],
    ['a /30', ['10.0.0.0/30'], {}, undefined, '10.0.0.2/30'],
    ['skips taken', ['10.0.0.0/29'], { '10.0.0.2': 'id' }, undefined, '10.0.0.3/29'],
    ['after last reserved', ['10.0.0.0/29'], {}, '10.0.0.5', '10.0.0.6/29'],
    ['after last reserved, skipping taken', ['10.0.0.0/29'], { '10.0.0.4': 'id', '10.0.0.5': 'id' }, '10.0.0.3', '10.0.0.6/29'],
    ['round robin to the beginning', ['10.0.0.0/29'], { '10.0.0.6': 'id' }, '10.0.0.5', '10.0.0.2/29'],
    ['last reserved out of range', ['10.0.0.0/29'], { '10.0.0.2': 'id' }, '10.0.0.128', '10.0.0.3/29'],
    ['full except the last reserved', ['10.0.0.0/29'], { '10.0.0.2': 'id', '10.0.0.4': 'id', '10.0.0.5': 'id', '10.0.0.6': 'id' }, '10.0.0.3', '10.0.0.3/29'],
    ['multiple subnets', ['10.0.0.0/30', '10.0.1.0/30'], {}, undefined, '10.0.0.2/30'],
    ['advance to the next subnet', ['10.0.0.0/30', '10.0.1.0/30'], {}, '10.0.0.2', '10.0.1.2/30'],
    ['roll to the first subnet', ['10.0.0.0/30', '10.0.1.0/30', '10.0.2.0/30'], {}, '10.0.2.2', '10.0.0.2/30'],
  ])('%s', (_name, subnets, leases, last, want) => {
    const store = new FakeStore(leases, last === undefined ? {} : { 0: last });
    const got = new IPAllocator(set(...subnets), store, 0).get('ID', 'eth0');
    expect(got.address).toBe(want);
    expect(store.lastReserved.get(0)).toBe(want.split('/')[0]);
    expect(store.leases.get(want.split('/')[0]!)).toBe('ID\r\neth0');
    expect(store.locked).toBe(0);
  });

  it('returns the range gateway', () => {
    const s = [mk('10.0.0.0/24', { gw: '10.0.0.254' })];
    expect(new IPAllocator(s, new FakeStore(), 0).get('ID', 'eth0')).toEqual({ address: '10.0.0.1/24', gateway: '10.0.0.254' });
  });

  it('never hands out the broadcast address and fails when exhausted', () => {
    const alloc = new IPAllocator(set('192.168.1.0/29'), new FakeStore(), 0);
    for (let i = 2; i < 7; i++) expect(alloc.get(`ID${i}`, 'eth0').address).toBe(`192.168.1.${i}/29`);
    expect(errorOf(() => alloc.get('ID8', 'eth0'))).toMatchObject({
      code: 999,
      message: 'no IP addresses available in range set: 192.168.1.1-192.168.1.6',
    });
  });

  it.each<[string[], Record<string, string>]>([
    [['10.0.0.0/30'], { '10.0.0.2': 'id' }],
    [['10.0.0.0/29'], { '10.0.0.2': 'id', '10.0.0.3': 'id', '10.0.0.4': 'id', '10.0.0.5': 'id', '10.0.0.6': 'id' }],
    [['10.0.0.0/30', '10.0.1.0/30'], { '10.0.0.2': 'id', '10.0.1.2': 'id' }],
  ])('out of addresses in %j', (subnets, leases) => {
    const e = errorOf(() => new IPAllocator(set(...subnets), new FakeStore(leases), 0).get('ID', 'eth0'));
    expect(e.message.startsWith('no IP addresses available in range set')).toBe(true);
  });

  it('allocates round robin after a release', () => {
    const alloc = new IPAllocator(set('192.168.1.0/29'), new FakeStore(), 0);
    expect(alloc.get('ID', 'eth0').address).toBe('192.168.1.2/29');
    alloc.release('ID', 'eth0');
    expect(alloc.get('ID', 'eth0').address).toBe('192.168.1.3/29');
  });

  it('refuses a second address for the same attachment in the set, also for legacy leases', () => {
    const store = new FakeStore({ '10.0.0.9': 'other\r\neth0' });
    const alloc = new IPAllocator(set('10.0.0.0/24'), store, 0);
    alloc.get('ID', 'eth0');
    expect(errorOf(() => alloc.get('ID', 'eth0')).message).toBe('10.0.0.2 has been allocated to ID, duplicate allocation is not allowed');
    expect(alloc.get('ID', 'eth1').address).toBe('10.0.0.3/24');
    const legacy = new IPAllocator(set('10.0.0.0/24'), new FakeStore({ '10.0.0.7': 'OLD' }), 0);
    expect(errorOf(() => legacy.get('OLD', 'eth0')).message).toBe('10.0.0.7 has been allocated to OLD, duplicate allocation is not allowed');
    // an address of the same attachment in another set does not count
    const other = new IPAllocator(set('10.1.0.0/24'), store, 1);
    expect(other.get('ID', 'eth0').address).toBe('10.1.0.2/24');
  });

  it('v6 round robin and wrap', () => {
    const s = [mk('fd00:1::/120', { start: 'fd00:1::fe' })];
    const store = new FakeStore({}, { 0: 'fd00:1::fe' });
    const alloc = new IPAllocator(s, store, 0);
    expect(alloc.get('A', 'eth0').address).toBe('fd00:1::ff/120');
    expect(alloc.get('B', 'eth0').address).toBe('fd00:1::fe/120');
    expect(errorOf(() => alloc.get('C', 'eth0')).message).toBe('no IP addresses available in range set: fd00:1::fe-fd00:1::ff');
  });
});

describe('requested IPs', () => {
  const alloc = () => new IPAllocator(set('192.168.1.0/29'), new FakeStore(), 0);

  it('allocates the requested IP, skipping the duplicate check', () => {
    const a = alloc();
    expect(a.get('ID', 'eth0', ip('192.168.1.5'))).toEqual({ address: '192.168.1.5/29', gateway: '192.168.1.1' });
    expect(a.get('ID', 'eth0', ip('192.168.1.6')).address).toBe('192.168.1.6/29');
  });

  it('fails when the requested IP is taken', () => {
    const a = alloc();
    a.get('ID', 'eth0', ip('192.168.1.5'));
    expect(errorOf(() => a.get('ID', 'eth0', ip('192.168.1.5')))).toMatchObject({
      code: 999,
      message: 'requested IP address 192.168.1.5 is not available in range set 192.168.1.1-192.168.1.6',
    });
  });

  it('refuses the gateway', () => {
    expect(errorOf(() => alloc().get('ID', 'eth0', ip('192.168.1.1'))).message).toBe("requested ip 192.168.1.1 is subnet's gateway");
  });

  it.each([
    ['after rangeEnd', { end: '192.168.1.4' }, '192.168.1.5'],
    ['before rangeStart', { start: '192.168.1.3' }, '192.168.1.2'],
  ])('refuses an address %s', (_name, opts, req) => {
    const a = new IPAllocator([mk('192.168.1.0/29', opts)], new FakeStore(), 0);
    expect(errorOf(() => a.get('ID', 'eth0', ip(req))).message).toMatch(/^192\.168\.1\.\d not in range set 192\.168\.1\./);
  });
});
