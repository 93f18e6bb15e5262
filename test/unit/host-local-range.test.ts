import { describe, expect, it } from 'vitest';
import { type IPNum, formatCIDRNum, formatIPNum, parseCIDRNum, parseIPNum } from '../../lib/ip';
import { FieldError, type Range, canonicalizeRange, rangeCapacity, rangeContains, rangesOverlap } from '../../ipam/host-local/range';
import { checkRangeSet, setsOverlap, setString } from '../../ipam/host-local/range-set';

const ip = (s: string): IPNum => {
  const v = parseIPNum(s);
  if (!v) throw new Error(`bad test ip ${s}`);
  return v;
};

function mk(subnet: string, opts: { start?: string; end?: string; gw?: string } = {}): Range {
  const cidr = parseCIDRNum(subnet);
  if (!cidr) throw new Error(`bad test cidr ${subnet}`);
  return canonicalizeRange({
    subnet: cidr,
    rangeStart: opts.start ? ip(opts.start) : undefined,
    rangeEnd: opts.end ? ip(opts.end) : undefined,
    gateway: opts.gw ? ip(opts.gw) : undefined,
  });
}

const show = (r: Range) => ({
  subnet: formatCIDRNum(r.subnet, r.prefix, r.subnet.v6 ? 128 : 32),
  start: formatIPNum(r.rangeStart),
  end: formatIPNum(r.rangeEnd),
  gw: formatIPNum(r.gateway),
});

function rangeError(fn: () => unknown): { key: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof FieldError) return { key: err.key, message: err.message };
    throw err;
  }
  throw new Error('expected a FieldError');
}

describe('range canonicalisation', () => {
  it.each([
    ['192.0.2.0/24', {}, { subnet: '192.0.2.0/24', start: '192.0.2.1', end: '192.0.2.254', gw: '192.0.2.1' }],
    ['192.0.2.0/25', {}, { subnet: '192.0.2.0/25', start: '192.0.2.1', end: '192.0.2.126', gw: '192.0.2.1' }],
    ['10.0.0.0/30', {}, { subnet: '10.0.0.0/30', start: '10.0.0.1', end: '10.0.0.2', gw: '10.0.0.1' }],
    ['2001:DB8:1::/64', {}, { subnet: '2001:db8:1::/64', start: '2001:db8:1::1', end: '2001:db8:1:0:ffff:ffff:ffff:ffff', gw: '2001:db8:1::1' }],
    ['fd00::/126', {}, { subnet: 'fd00::/126', start: 'fd00::1', end: 'fd00::3', gw: 'fd00::1' }],
    [
      '192.0.2.0/24',
      { start: '192.0.2.40', end: '192.0.2.50', gw: '192.0.2.254' },
      { subnet: '192.0.2.0/24', start: '192.0.2.40', end: '192.0.2.50', gw: '192.0.2.254' },
    ],
    // the reference never checks the gateway against the subnet
    ['10.0.0.0/24', { gw: '192.168.1.1' }, { subnet: '10.0.0.0/24', start: '10.0.0.1', end: '10.0.0.254', gw: '192.168.1.1' }],
    // v4-mapped bounds are IPv4
    ['10.0.1.0/24', { start: '::ffff:10.0.1.7' }, { subnet: '10.0.1.0/24', start: '10.0.1.7', end: '10.0.1.254', gw: '10.0.1.1' }],
  ])('%s %j', (subnet, opts, want) => {
    expect(show(mk(subnet, opts))).toEqual(want);
  });

  it.each([
    ['192.0.2.12/24', {}, 'subnet', 'Network has host bits set. For a subnet mask of length 24 the network address is 192.0.2.0'],
    ['2001:DB8:1::24:19ff:fee1:c44a/64', {}, 'subnet', 'Network has host bits set. For a subnet mask of length 64 the network address is 2001:db8:1::'],
    ['2001:DB8:24:19ff::/63', {}, 'subnet', 'Network has host bits set. For a subnet mask of length 63 the network address is 2001:db8:24:19fe::'],
    ['192.168.127.0/23', {}, 'subnet', 'Network has host bits set. For a subnet mask of length 23 the network address is 192.168.126.0'],
    ['192.0.2.0/31', {}, 'subnet', 'Network 192.0.2.0/31 too small to allocate from'],
    ['192.0.2.0/32', {}, 'subnet', 'Network 192.0.2.0/32 too small to allocate from'],
    ['fd00::/127', {}, 'subnet', 'Network fd00::/127 too small to allocate from'],
    ['::ffff:10.0.0.0/120', {}, 'subnet', 'IPNet IP and Mask version mismatch'],
    ['192.0.2.0/24', { start: '192.0.3.0' }, 'rangeStart', 'RangeStart 192.0.3.0 not in network 192.0.2.0/24'],
    ['192.0.2.0/24', { end: '192.0.4.0' }, 'rangeEnd', 'RangeEnd 192.0.4.0 not in network 192.0.2.0/24'],
    ['192.0.2.0/24', { start: '192.0.2.50', end: '192.0.2.40' }, 'rangeStart', 'RangeStart 192.0.2.50 not in network 192.0.2.0/24'],
    ['192.0.2.0/24', { start: 'fd00::1' }, 'rangeStart', 'RangeStart fd00::1 not in network 192.0.2.0/24'],
  ])('%s %j -> %s error', (subnet, opts, key, message) => {
    expect(rangeError(() => mk(subnet, opts))).toEqual({ key, message });
  });

  it('contains honours rangeStart/rangeEnd and the family', () => {
    const r4 = mk('192.0.2.0/24', { start: '192.0.2.40', end: '192.0.2.50', gw: '192.0.2.254' });
    expect(['192.0.3.0', '192.0.2.39', '192.0.2.40', '192.0.2.50', '192.0.2.51'].map((s) => rangeContains(r4, ip(s)))).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
    const r6 = mk('2001:DB8:1::/64', { start: '2001:db8:1::40', end: '2001:db8:1::50' });
    expect(['2001:db8:2::', '2001:db8:1::39', '2001:db8:1::40', '2001:db8:1::50', '2001:db8:1::51', '192.0.2.45'].map((s) => rangeContains(r6, ip(s)))).toEqual([
      false,
      false,
      true,
      true,
      false,
      false,
    ]);
  });

  it('capacity excludes the gateway only when it is inside the range', () => {
    expect(rangeCapacity(mk('10.0.0.0/29'))).toBe(5n); // .1-.6 minus gateway .1
    expect(rangeCapacity(mk('10.0.0.0/29', { start: '10.0.0.2' }))).toBe(5n); // .2-.6
    expect(rangeCapacity(mk('fd00::/120'))).toBe(254n); // ::1-::ff minus gateway
  });
});

describe('overlap', () => {
  it.each([
    ['non-overlapping', mk('10.0.0.0/24'), mk('10.0.1.0/24'), false],
    ['different families with the same bits', mk('0.0.0.0/24'), mk('::/24'), false],
    ['identical', mk('10.0.0.0/24'), mk('10.0.0.0/24'), true],
    ['containing', mk('10.0.0.0/20'), mk('10.0.1.0/24'), true],
    ['same subnet, disjoint start/end', mk('10.0.0.0/24', { end: '10.0.0.127' }), mk('10.0.0.0/24', { start: '10.0.0.128' }), false],
    ['same subnet, touching start/end', mk('10.0.0.0/24', { end: '10.0.0.127' }), mk('10.0.0.0/24', { start: '10.0.0.127' }), true],
  ])('%s', (_name, a, b, want) => {
    // the operation is commutative
    expect(rangesOverlap(a, b)).toBe(want);
    expect(rangesOverlap(b, a)).toBe(want);
    expect(setsOverlap([a], [b])).toBe(want);
    expect(setsOverlap([b], [a])).toBe(want);
  });

  it('range set checks: empty, mixed families, overlap inside the set', () => {
    expect(rangeError(() => checkRangeSet([]))).toEqual({ key: '', message: 'empty range set' });
    expect(rangeError(() => checkRangeSet([mk('10.0.0.0/24'), mk('fd00::/64')]))).toEqual({ key: '[1]', message: 'mixed address families' });
    expect(rangeError(() => checkRangeSet([mk('10.1.0.0/22'), mk('10.1.2.0/24')]))).toEqual({
      key: '[1]',
      message: 'subnets 10.1.0.1-10.1.3.254 and 10.1.2.1-10.1.2.254 overlap',
    });
    expect(() => checkRangeSet([mk('10.1.0.0/24'), mk('10.2.0.0/24')])).not.toThrow();
  });

  it('set string', () => {
    expect(setString([mk('10.0.0.0/30'), mk('10.0.1.0/30', { start: '10.0.1.2' })])).toBe('10.0.0.1-10.0.0.2,10.0.1.2-10.0.1.2');
  });
});
