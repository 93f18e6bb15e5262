// IP text <-> bytes for the netlink codec: RFC 5952 output, strict input.
import { describe, expect, it } from 'vitest';
import { formatIp, parseCidr, parseIp } from '../../lib/netlink/ip';

describe('ip', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3'],
    ['0.0.0.0', '0.0.0.0'],
    ['::', '::'],
    ['::1', '::1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero word is not compressed
    ['fe80::', 'fe80::'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['64:ff9b::10.1.2.3', '64:ff9b::a01:203'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('%s -> %s', (input, text) => {
    expect(formatIp(parseIp(input))).toBe(text);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1::2::3', ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', '::1.2.3', '1:2:3:4:5:6:7::8'])('rejects %j', (bad) => {
    expect(() => parseIp(bad)).toThrow(TypeError);
  });

  it('CIDRs', () => {
    expect(parseCidr('10.1.2.3/24')).toMatchObject({ address: '10.1.2.3', prefixLen: 24 });
    expect(parseCidr('fd00::1')).toMatchObject({ address: 'fd00::1', prefixLen: 128 });
    for (const bad of ['10.1.2.3/33', 'fd00::/129', '10.1.2.3/', '10.1.2.3/2/3', '10.1.2.3/x']) expect(() => parseCidr(bad)).toThrow(TypeError);
    expect(formatIp(new Uint8Array(5))).toBeUndefined();
  });
});
