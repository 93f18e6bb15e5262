// lib/ip: the one strict parser (Go's net.ParseIP / ParseCIDR), the three printing styles,
// the numeric helpers, and the adapters callers keep (netlink's parseCidr). Merged from the
// former netlink-ip, host-local-range (Go net.ParseIP / String()) and masq-rules (addresses)
// tests; ipaddr.js serves as an independent oracle for well-formed addresses.
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  type IPNum,
  type IPStyle,
  bitsOf,
  canonicalCIDR,
  canonicalIP,
  cidrFamily,
  compareIPNum,
  formatCIDR,
  formatCIDRNum,
  formatIP,
  formatIPNum,
  fromIPNum,
  ipFamily,
  ipFromBigInt,
  ipNumEqual,
  ipToBigInt,
  isIPBytes,
  maskIP,
  maskOf,
  mustParseCIDR,
  mustParseIP,
  networkOf,
  nextIP,
  nextIPNum,
  parseCIDR,
  parseCIDRNum,
  parseIP,
  parseIPNum,
  parseIPOrCIDR,
  to4,
  toIPNum,
} from '../../lib/ip';
import { parseCidr } from '../../lib/netlink/addr';
import { Attrs, nla } from '../../lib/netlink/codec';

const STYLES: IPStyle[] = ['go', 'netlink', 'inet_ntop'];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('parse and print', () => {
  // input, then its text in the 'go' style (net.IP.String()), 'netlink' and 'inet_ntop' (glibc);
  // undefined: same as 'go'
  it.each<[string, string, string?, string?]>([
    ['10.1.2.3', '10.1.2.3'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['fe80::', 'fe80::'],
    ['fe80::1:2:3:4', 'fe80::1:2:3:4'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['fd99::2', 'fd99::2'],
    ['FD00:0:0:1:0:0:0:5', 'fd00:0:0:1::5'],
    ['0001:0db8::0001', '1:db8::1'],
    ['2001:DB8:1::24:19FF:FEE1:C44A', '2001:db8:1:0:24:19ff:fee1:c44a'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    // RFC 5952: the first of equal runs, the longest run, and never a single zero group
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:2:3:0:0:4', '1::2:3:0:0:4'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    // embedded IPv4: the styles differ only here
    ['::ffff:10.1.2.3', '10.1.2.3', '::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['::ffff:10.0.0.1', '10.0.0.1', '::ffff:10.0.0.1', '::ffff:10.0.0.1'], // v4-mapped is IPv4 in Go
    ['::FFFF:0.0.0.0', '0.0.0.0', '::ffff:0.0.0.0', '::ffff:0.0.0.0'],
    ['::ffff:a01:203', '10.1.2.3', '::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['::10.0.0.1', '::a00:1', '::a00:1', '::10.0.0.1'],
    ['::1.2.3.4', '::102:304', '::102:304', '::1.2.3.4'],
    ['::0.0.1.2', '::102'], // zero run of 7: not IPv4-compatible for glibc either
    ['::1:0:0', '::1:0:0'], // run of 5 zeros, then 1: neither mapped nor compatible
    ['64:ff9b::10.1.2.3', '64:ff9b::a01:203'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
  ])('%s -> %s', (input, go, netlink = go, ntop = go) => {
    const ip = mustParseIP(input);
    expect(STYLES.map((s) => formatIP(ip, s))).toEqual([go, netlink, ntop]);
    expect(formatIP(ip)).toBe(go);
    expect(ip.length).toBe(input.includes(':') ? 16 : 4);
  });

  it.each([
    // short, long, octal/hex and other non-Go IPv4 forms
    '', '10.1', '1.2.3', '1.2.3.4.5', '10.0.0.1.', '.1.2.3', '1..2.3', '01.2.3.4', '010.0.0.1', '10.0.0.01', '0x1.2.3.4',
    '256.1.1.1', '10.0.0.256', '1.2.3.-1', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4/24',
    // IPv6 shape
    '1::2::3', ':::', '::::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7::8', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8',
    'g::1', '12345::', '::12345', ':1::', '1::2:', '1:', ':1', ':',
    // embedded IPv4 only as the last 32 bits, and strict itself
    '::1.2.3', '1:2:3:4:5:6:1.2.3.4:1', '1:2:3:4:5:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1.2.3.4::', '::ffff:010.0.0.1', '::ffff:1.2.3.256',
    // zones are not addresses for net.ParseIP
    'fe80::1%eth0', '1.2.3.4%eth0', '%eth0', 'fe80::1%',
  ])('rejects %j', (bad) => {
    expect(parseIP(bad)).toBeUndefined();
    expect(parseIPNum(bad)).toBeUndefined();
    expect(() => mustParseIP(bad)).toThrow(new TypeError(`invalid IP address: ${JSON.stringify(bad)}`));
  });

  it('RangeError for byte strings that are not 4 or 16 long', () => {
    for (const n of [0, 5, 15, 17]) {
      expect(isIPBytes(new Uint8Array(n))).toBe(false);
      expect(() => formatIP(new Uint8Array(n))).toThrow(RangeError);
    }
    // the netlink decoder reports such attributes as absent
    expect(new Attrs(nla.raw(1, new Uint8Array(5))).ip(1)).toBeUndefined();
    expect(new Attrs(nla.raw(1, new Uint8Array([10, 0, 0, 1]))).ip(1)).toBe('10.0.0.1');
  });
});

describe('CIDRs', () => {
  // net.ParseCIDR then net.IPNet.String() of the host address, bytes and numeric paths alike
  it.each<[string, string | undefined]>([
    ['10.0.0.5/8', '10.0.0.5/8'],
    ['10.0.0.0/0', '10.0.0.0/0'],
    ['10.0.0.0/32', '10.0.0.0/32'],
    ['10.0.0.0/024', '10.0.0.0/24'], // Go's dtoi takes leading zeros
    ['10.0.0.0/000000000024', '10.0.0.0/24'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['fd00::1/128', 'fd00::1/128'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'], // net.IPNet.String() of a mapped prefix: the low 32 mask bits
    ['::ffff:10.0.0.1/64', '10.0.0.1/0'],
    ['::ffff:10.0.0.1/128', '10.0.0.1/32'],
    ['10.0.0.0/33', undefined],
    ['fd00::/129', undefined],
    ['::ffff:10.0.0.0/129', undefined],
    ['10.0.0.0/-1', undefined],
    ['10.0.0.0/+8', undefined],
    ['10.0.0.0/ 8', undefined],
    ['10.0.0.0/8 ', undefined],
    ['10.0.0.0/', undefined],
    ['10.0.0.0/8/8', undefined],
    ['10.0.0.0/x', undefined],
    ['10.0.0.0', undefined], // net.ParseCIDR wants the prefix
    ['010.0.0.0/8', undefined],
    ['/8', undefined],
    ['fe80::1%eth0/64', undefined],
  ])('%s -> %s', (s, out) => {
    const c = parseCIDR(s);
    expect(c && formatCIDR(c)).toBe(out);
    const n = parseCIDRNum(s);
    expect(n && formatCIDRNum(n.ip, n.prefix, n.bits)).toBe(out);
    expect(canonicalCIDR(s)).toBe(out ?? s);
  });

  it('keeps the host bits and the length of the syntax', () => {
    expect(parseCIDR('10.1.2.3/8')).toEqual({ ip: Uint8Array.from([10, 1, 2, 3]), prefix: 8 });
    expect(parseCIDR('::ffff:10.1.2.3/104')?.ip.length).toBe(16);
    expect(parseCIDRNum('::ffff:10.1.2.3/104')).toEqual({ ip: { v6: false, n: 0x0a010203n }, prefix: 104, bits: 128 });
    expect(parseCIDRNum('10.1.2.3/8')).toEqual({ ip: { v6: false, n: 0x0a010203n }, prefix: 8, bits: 32 });
  });

  it('a bare address gets the full-length prefix only when asked', () => {
    expect(parseCIDR('10.1.2.3')).toBeUndefined();
    expect(parseCIDR('10.1.2.3', { bare: true })?.prefix).toBe(32);
    expect(parseCIDR('fd00::1', { bare: true })?.prefix).toBe(128);
    expect(parseCIDR('::ffff:10.1.2.3', { bare: true })?.prefix).toBe(128);
  });

  it('pkg/ip ParseIP takes an optional prefix and drops it', () => {
    expect(formatIP(parseIPOrCIDR('10.1.2.11/24')!)).toBe('10.1.2.11');
    expect(formatIP(parseIPOrCIDR('10.1.2.11')!)).toBe('10.1.2.11');
    expect(parseIPOrCIDR('10.1.2.11/33')).toBeUndefined();
    expect(parseIPOrCIDR('10.1.2.011/24')).toBeUndefined();
  });

  it('mustParseCIDR names the address when that is what is wrong', () => {
    expect(() => mustParseCIDR('10.0.0.256/24')).toThrow(new TypeError('invalid IP address: "10.0.0.256"'));
    expect(() => mustParseCIDR('10.0.0.1/33')).toThrow(new TypeError('invalid CIDR: "10.0.0.1/33"'));
    expect(() => mustParseCIDR('10.0.0.1')).toThrow(new TypeError('invalid CIDR: "10.0.0.1"'));
    expect(() => mustParseCIDR('x/1/2')).toThrow(new TypeError('invalid CIDR: "x/1/2"'));
    expect(mustParseCIDR('10.0.0.1', { bare: true }).prefix).toBe(32);
  });
});

describe('masq: iptables-save / nft text (inet_ntop style)', () => {
  // text, host (-s of nft), network (-d), host with full-length prefix (-s of iptables)
  it.each([
    ['10.99.0.2/24', '10.99.0.2', '10.99.0.0/24', '10.99.0.2/32'],
    ['192.168.1.130/25', '192.168.1.130', '192.168.1.128/25', '192.168.1.130/32'],
    ['10.1.2.3', '10.1.2.3', '10.1.2.3/32', '10.1.2.3/32'],
    ['fd99::2/64', 'fd99::2', 'fd99::/64', 'fd99::2/128'],
    ['FD00:0:0:1:0:0:0:5/48', 'fd00:0:0:1::5', 'fd00::/48', 'fd00:0:0:1::5/128'],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1', '2001:db8::1:0:0:1/128', '2001:db8::1:0:0:1/128'],
    ['1:0:2:3:4:5:6:7/16', '1:0:2:3:4:5:6:7', '1::/16', '1:0:2:3:4:5:6:7/128'],
    ['::ffff:10.0.0.1/120', '::ffff:10.0.0.1', '::ffff:10.0.0.0/120', '::ffff:10.0.0.1/128'],
    ['::1.2.3.4/128', '::1.2.3.4', '::1.2.3.4/128', '::1.2.3.4/128'],
    ['::1/128', '::1', '::1/128', '::1/128'],
    ['::/0', '::', '::/0', '::/128'],
  ])('%s', (text, host, net, hostPrefix) => {
    const c = mustParseCIDR(text, { bare: true });
    expect(formatIP(c.ip, 'inet_ntop')).toBe(host);
    expect(formatCIDR(networkOf(c), 'inet_ntop')).toBe(net);
    expect(formatCIDR({ ip: c.ip, prefix: c.ip.length * 8 }, 'inet_ntop')).toBe(hostPrefix);
  });

  it.each(['10.0.0.256/24', '10.0.0.1/33', 'fd00::1/129', '1::2::3', 'nope', '1:2:3:4:5:6:7:8:9', '', '010.0.0.1/8'])('rejects %j', (t) => {
    expect(() => mustParseCIDR(t, { bare: true })).toThrow(TypeError);
  });

  it('compresses the first longest zero run only', () => {
    expect(formatIP(mustParseIP('1:0:0:2:0:0:0:3'), 'inet_ntop')).toBe('1:0:0:2::3');
    expect(formatIP(mustParseIP('1:0:0:2:3:0:0:4'), 'inet_ntop')).toBe('1::2:3:0:0:4');
  });
});

describe('netlink parseCidr', () => {
  it('address as netlink prints it, bytes and prefix; the prefix defaults to the full length', () => {
    expect(parseCidr('10.1.2.3/24')).toMatchObject({ address: '10.1.2.3', prefixLen: 24 });
    expect(parseCidr('fd00::1')).toMatchObject({ address: 'fd00::1', prefixLen: 128 });
    expect(parseCidr('FD00:0::1/64')).toEqual({ address: 'fd00::1', bytes: mustParseIP('fd00::1'), prefixLen: 64 });
    expect(parseCidr('::ffff:10.1.2.3/120')).toMatchObject({ address: '::ffff:10.1.2.3', prefixLen: 120 });
  });

  it.each([
    ['10.1.2.3/33', 'invalid CIDR: "10.1.2.3/33"'],
    ['fd00::/129', 'invalid CIDR: "fd00::/129"'],
    ['10.1.2.3/', 'invalid CIDR: "10.1.2.3/"'],
    ['10.1.2.3/2/3', 'invalid CIDR: "10.1.2.3/2/3"'],
    ['10.1.2.3/x', 'invalid CIDR: "10.1.2.3/x"'],
    ['10.1.2/24', 'invalid IP address: "10.1.2"'],
  ])('rejects %j', (bad, message) => {
    expect(() => parseCidr(bad)).toThrow(new TypeError(message));
  });
});

describe('CNI result helpers', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['FD00::0:1', 'fd00::1'],
    ['nope', 'nope'],
    ['010.0.0.1', '010.0.0.1'],
  ])('canonicalIP(%j) = %j', (s, out) => {
    expect(canonicalIP(s)).toBe(out);
  });

  it.each([
    ['10.0.0.1/8', '4'],
    ['::ffff:10.0.0.1/104', '4'],
    ['fd00::/8', '6'],
    ['::10.0.0.1/104', '6'],
    ['bad:x', '6'],
    ['bad', '4'],
    ['10.0.0.1', '4'],
  ])('cidrFamily(%j) = %j', (s, out) => {
    expect(cidrFamily(s)).toBe(out);
  });
});

describe('numbers', () => {
  it('host-local canonical form: IPv4 and v4-mapped are IPv4', () => {
    expect(parseIPNum('10.0.0.1')).toEqual({ v6: false, n: 0x0a000001n });
    expect(parseIPNum('::ffff:10.0.0.1')).toEqual({ v6: false, n: 0x0a000001n });
    expect(parseIPNum('::10.0.0.1')).toEqual({ v6: true, n: 0x0a000001n });
    expect(parseIPNum('fd00::1')).toEqual({ v6: true, n: (0xfd00n << 112n) | 1n });
    expect(formatIPNum(parseIPNum('::ffff:10.0.0.1')!)).toBe('10.0.0.1');
    expect(formatIPNum({ v6: true, n: (0xffffn << 32n) | 0x0a000001n })).toBe('10.0.0.1');
  });

  it('bytes <-> bigint <-> IPNum', () => {
    const v4 = mustParseIP('10.1.2.3');
    const v6 = mustParseIP('2001:db8::ff');
    expect(ipToBigInt(v4)).toBe(0x0a010203n);
    expect(ipFromBigInt(0x0a010203n, 4)).toEqual(v4);
    expect(ipFromBigInt(0x0a010203n, 16)).toEqual(mustParseIP('::10.1.2.3'));
    expect(ipFromBigInt(ipToBigInt(v6), 16)).toEqual(v6);
    expect(ipFromBigInt(1n << 32n, 4)).toEqual(new Uint8Array(4)); // low bytes only
    expect(fromIPNum(toIPNum(v4))).toEqual(v4);
    expect(fromIPNum(toIPNum(v4), 16)).toEqual(mustParseIP('::ffff:10.1.2.3'));
    expect(fromIPNum(toIPNum(mustParseIP('::ffff:10.1.2.3')))).toEqual(v4);
    expect(fromIPNum(toIPNum(v6))).toEqual(v6);
    expect(to4(mustParseIP('::ffff:10.1.2.3'))).toEqual(v4);
    expect(to4(mustParseIP('::10.1.2.3'))).toBeUndefined();
    expect(to4(v4)).toBe(v4);
    expect([ipFamily(v4), ipFamily(v6), ipFamily(mustParseIP('::ffff:10.1.2.3'))]).toEqual([4, 6, 6]);
  });

  it('masks, networks, next address, comparison', () => {
    expect(maskOf(24, 32)).toBe(0xffffff00n);
    expect(maskOf(0, 32)).toBe(0n);
    expect(maskOf(128, 128)).toBe((1n << 128n) - 1n);
    expect(formatIP(maskIP(mustParseIP('192.168.1.130'), 25))).toBe('192.168.1.128');
    expect(formatIP(maskIP(mustParseIP('2001:db8:24:19ff::1'), 63))).toBe('2001:db8:24:19fe::');
    expect(formatIP(maskIP(mustParseIP('10.1.2.3'), 0))).toBe('0.0.0.0');
    expect(formatCIDR(networkOf(mustParseCIDR('10.1.2.3/12')))).toBe('10.0.0.0/12');
    expect(formatIP(nextIP(mustParseIP('10.0.0.255')))).toBe('10.0.1.0');
    expect(formatIP(nextIP(mustParseIP('255.255.255.255')))).toBe('0.0.0.0');
    expect(formatIP(nextIP(mustParseIP('fd00::ffff')))).toBe('fd00::1:0');
    expect(formatIPNum(nextIPNum(parseIPNum('10.0.0.255')!))).toBe('10.0.1.0');
    const [a, b, c] = ['10.0.0.1', '10.0.0.2', 'fd00::1'].map((s) => parseIPNum(s)!) as [IPNum, IPNum, IPNum];
    expect([compareIPNum(a, b), compareIPNum(b, a), compareIPNum(a, a), compareIPNum(c, a), compareIPNum(a, c)]).toEqual([-1, 1, 0, 1, -1]);
    expect([ipNumEqual(a, parseIPNum('::ffff:10.0.0.1')!), ipNumEqual(a, b), ipNumEqual(parseIPNum('::10.0.0.1')!, a)]).toEqual([true, false, false]);
    expect([bitsOf(a), bitsOf(c)]).toEqual([32, 128]);
    // net.IPNet.String() with host-local's (address, prefix, mask length)
    expect(formatCIDRNum(a, 104, 128)).toBe('10.0.0.1/8');
    expect(formatCIDRNum(a, 24, 32)).toBe('10.0.0.1/24');
    expect(formatCIDRNum(c, 64, 128)).toBe('fd00::1/64');
  });
});

// ipaddr.js as an independent oracle. Its own parse is lenient (octal, hex, short IPv4,
// zones), so: IPv4 validity is compared with isValidFourPartDecimal, and for IPv6 every
// address we accept must be valid for ipaddr.js with the same expansion, and every
// well-formed one we generate must be accepted by both.
describe('against ipaddr.js', () => {
  let seed = 0x5eed;
  const rnd = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0; // mulberry32
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const pick = <T,>(a: readonly T[]): T => a[rnd(a.length)]!;
  // ipaddr.js reads exactly "::a.b.c.d" as IPv4-mapped; Go (and RFC 4291) as IPv4-compatible,
  // which ipaddr.js agrees with when it is written "::0:a.b.c.d"
  const forIpaddr = (s: string): string => (/^::[0-9.]+$/.test(s) ? `::0:${s.slice(2)}` : s);
  const ipaddrBytes = (s: string): number[] => ipaddr.parse(forIpaddr(s)).toByteArray();

  it('the one known disagreement: "::a.b.c.d"', () => {
    expect(ipaddr.parse('::1.2.3.4').toString()).toBe('::ffff:102:304');
    expect(ipaddr.parse('::0:1.2.3.4').toString()).toBe('::102:304');
    expect(formatIP(mustParseIP('::1.2.3.4'))).toBe('::102:304');
  });

  it('well-formed IPv4: valid for both, same bytes, printed back unchanged', () => {
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: 4 }, () => String(pick([0, 1, 9, 10, 99, 100, 199, 200, 249, 250, 254, 255, rnd(256)]))).join('.');
      expect(ipaddr.IPv4.isValidFourPartDecimal(s), s).toBe(true);
      expect(Array.from(mustParseIP(s)), s).toEqual(ipaddrBytes(s));
      expect(formatIP(mustParseIP(s))).toBe(s);
    }
  });

  it('IPv4-like text: accepted exactly when isValidFourPartDecimal accepts it', () => {
    const field = (): string => pick(['0', '00', '01', '1', '9', '10', '255', '256', '300', '999', '1000', '0255', '', String(rnd(300))]);
    for (let i = 0; i < 5000; i++) {
      let s = Array.from({ length: pick([3, 4, 4, 4, 4, 5]) }, field).join('.');
      if (rnd(10) === 0) s = s.slice(0, rnd(s.length)) + pick(['.', '0', '5', ' ', 'x']) + s.slice(rnd(s.length));
      expect(parseIP(s) !== undefined, s).toBe(ipaddr.IPv4.isValidFourPartDecimal(s));
    }
  });

  // 8 random groups (mostly zeros, so runs occur), written with random case and padding,
  // one random zero run compressed, sometimes the last 32 bits as a dotted quad
  function wellFormedV6(): { text: string; groups: number[] } {
    const groups = Array.from({ length: 8 }, () => (rnd(2) ? 0 : pick([1, 0xffff, 0xdb8, rnd(0x10000)])));
    if (rnd(6) === 0) groups.splice(0, 6, 0, 0, 0, 0, 0, pick([0, 0xffff])); // v4-compatible or mapped
    const parts = groups.map((g) => {
      const h = g.toString(16).padStart(rnd(3) ? 0 : 4, '0');
      return rnd(4) ? h : h.toUpperCase();
    });
    if (rnd(3) === 0) parts.splice(6, 2, [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.'));
    const runs: [number, number][] = [];
    for (let i = 0; i < parts.length; i++) {
      for (let j = i; j < parts.length && groups[j] === 0 && !parts[j]!.includes('.'); j++) runs.push([i, j + 1]);
    }
    if (!runs.length || !rnd(4)) return { text: parts.join(':'), groups };
    const [i, j] = pick(runs);
    return { text: `${parts.slice(0, i).join(':')}::${parts.slice(j).join(':')}`, groups };
  }

  it('well-formed IPv6: valid for both, same expansion, RFC 5952 text as ipaddr.js prints it', () => {
    for (let i = 0; i < 3000; i++) {
      const { text, groups } = wellFormedV6();
      expect(ipaddr.IPv6.isValid(text), text).toBe(true);
      const ip = mustParseIP(text);
      const theirs = ipaddr.IPv6.parse(forIpaddr(text));
      expect(Array.from(ip), text).toEqual(theirs.toByteArray());
      expect(Array.from({ length: 8 }, (_, k) => ((ip[2 * k]! << 8) | ip[2 * k + 1]!).toString(16)).join(':')).toBe(theirs.toNormalizedString());
      expect(hex(ip)).toBe(groups.map((g) => g.toString(16).padStart(4, '0')).join(''));
      const mapped = theirs.isIPv4MappedAddress();
      expect(formatIP(ip), text).toBe(mapped ? theirs.toIPv4Address().toString() : theirs.toRFC5952String());
      expect(formatIP(ip, 'netlink'), text).toBe(mapped ? `::ffff:${theirs.toIPv4Address().toString()}` : theirs.toRFC5952String());
      const compatible = ip.subarray(0, 12).every((x) => x === 0) && (ip[12]! | ip[13]!) !== 0;
      expect(formatIP(ip, 'inet_ntop'), text).toBe(compatible ? `::${ip.subarray(12).join('.')}` : formatIP(ip, 'netlink'));
      // what we print parses back to the same address, in every style
      for (const style of STYLES) expect(ipNumEqual(toIPNum(mustParseIP(formatIP(ip, style))), toIPNum(ip)), style).toBe(true);
    }
  });

  it('IPv6-like garbage: whatever we accept ipaddr.js accepts, with the same bytes', () => {
    const alphabet = [...'0123456789abcdefABCDEFg:::::...%'];
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      let s: string;
      if (rnd(2)) {
        s = Array.from({ length: 1 + rnd(24) }, () => pick(alphabet)).join('');
      } else {
        s = wellFormedV6().text; // a near miss: one character inserted, dropped or replaced
        const at = rnd(s.length + 1);
        s = s.slice(0, at) + (rnd(3) ? pick(alphabet) : '') + s.slice(at + rnd(2));
      }
      const ip = parseIP(s);
      if (ip === undefined || ip.length !== 16) continue;
      accepted++;
      expect(ipaddr.IPv6.isValid(s), s).toBe(true);
      expect(Array.from(ip), s).toEqual(ipaddrBytes(s));
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});
