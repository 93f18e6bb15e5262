// Names and comments of lib/masq against values computed independently
// (`printf %s "<net><cid>" | sha512sum | cut -c1-24`, python hashlib) and observed from the
// reference bridge (/usr/lib/cni/bridge created CNI-4b6424c6e351a1a3a86349d1 for mqnet/ctr1).
import { describe, expect, it } from 'vitest';
import {
  chainName, chainNameWithPrefix, formatHashWithPrefix, goQuote, goUnquote, nftInstanceHash, nftNetworkHash,
  nftRuleComment, parseRuleComment, ruleComment, spoofComment, spoofIfaceChain, spoofMacChain,
} from '../../lib/masq/names';

describe('chainName (utils.FormatChainName)', () => {
  it.each([
    ['mqnet', 'ctr1', 'CNI-4b6424c6e351a1a3a86349d1'],
    ['mynet', '1234567890abcdef', 'CNI-e2e8cd5c6ebacde4cecc8b58'],
    ['cbr0', 'd3adb33f', 'CNI-ade9289bc26503b5512bc136'],
    ['', '', 'CNI-cf83e1357eefb8bdf1542850'],
    ['we"ird', 'abc', 'CNI-bef2e2c7e96b5ffbe4f5d607'],
  ])('%s + %s', (net, cid, want) => {
    const got = chainName(net, cid);
    expect(got).toBe(want);
    expect(got).toHaveLength(28);
  });

  it('MustFormatChainNameWithPrefix keeps 28 chars and rejects long prefixes', () => {
    expect(chainNameWithPrefix('mqnet', 'ctr1', 'DN-')).toBe('CNI-DN-4b6424c6e351a1a3a8634');
    expect(() => formatHashWithPrefix(28, 'x'.repeat(28), 'a')).toThrow('invalid length');
    expect(() => formatHashWithPrefix(129, '', 'a')).toThrow('invalid length');
  });
});

describe('ruleComment (utils.FormatComment, Go %q)', () => {
  it.each([
    ['mqnet', 'ctr1', 'name: "mqnet" id: "ctr1"'],
    ['a"b', 'c\\d', 'name: "a\\"b" id: "c\\\\d"'],
    ['tab\there', 'nl\n', 'name: "tab\\there" id: "nl\\n"'],
    ['\x01\x7f', 'é☃', 'name: "\\x01\\x7f" id: "é☃"'],
    ['\u00a0', '\u200b', 'name: "\\u00a0" id: "\\u200b"'],
  ])('%j %j', (net, cid, want) => {
    expect(ruleComment(net, cid)).toBe(want);
    expect(parseRuleComment(want)).toEqual({ network: net, containerID: cid });
  });

  it('goQuote/goUnquote round trip and reject garbage', () => {
    for (const s of ['', 'plain', '"', '\\', '\x07\b\f\n\r\t\v', '😀']) expect(goUnquote(goQuote(s))).toBe(s);
    expect(goUnquote('nope')).toBeUndefined();
    expect(goUnquote('"a"b"')).toBeUndefined();
    expect(goUnquote('"\\q"')).toBeUndefined();
    expect(parseRuleComment('dnat name: "a" id: "b"')).toBeUndefined();
    expect(parseRuleComment('name: "a" id: "b" extra')).toBeUndefined();
  });
});

describe('nftables masquerade comments', () => {
  it.each([
    ['mqnet', '459ad33c48fd578c'],
    ['mynet', 'd23676b4f2d9fe04'],
  ])('network hash %s', (net, want) => {
    expect(nftNetworkHash(net)).toBe(want);
  });

  it.each([
    ['mqnet', 'eth0', 'ctr1', '459ad33c48fd578c-7883a6f9ce71eedb, net: mqnet, if: eth0, id: ctr1'],
    ['mqnet', 'eth0', 'ctr2', '459ad33c48fd578c-a09553539d4cc24c, net: mqnet, if: eth0, id: ctr2'],
    ['mynet', 'net1', 'abc', 'd23676b4f2d9fe04-848fa2319b0a9403, net: mynet, if: net1, id: abc'],
    // quotes are stripped from the text, not from what is hashed
    ['we"ird', 'eth0', 'abc', '50574c923fc0a20a-e65086f8a75535c6, net: weird, if: eth0, id: abc'],
    // cut at 128 bytes (knftables.CommentLengthMax)
    ['n'.repeat(60), 'eth0', 'c'.repeat(64),
      `3b457a62ab577ef7-7db77e9400bcaff0, net: ${'n'.repeat(60)}, if: eth0, id: ${'c'.repeat(12)}`],
  ])('%s %s %s', (net, ifname, cid, want) => {
    const got = nftRuleComment(net, ifname, cid);
    expect(got).toBe(want);
    expect(got.length).toBeLessThanOrEqual(128);
    expect(got.startsWith(nftInstanceHash(net, ifname, cid))).toBe(true);
  });

  it('never leaves a broken character at the cut', () => {
    const got = nftRuleComment('é'.repeat(60), 'eth0', 'c');
    expect(Buffer.byteLength(got)).toBeLessThanOrEqual(128);
    expect(got).not.toContain('\ufffd');
  });
});

describe('spoofcheck names (pkg/link/spoofcheck.go)', () => {
  it('uses containerID-ifname', () => {
    expect(spoofIfaceChain('ctr1', 'eth0')).toBe('cni-br-iface-ctr1-eth0');
    expect(spoofMacChain('ctr1', 'eth0')).toBe('cni-br-iface-ctr1-eth0-mac');
    expect(spoofComment('ctr1', 'eth0')).toBe('macspoofchk-ctr1-eth0');
  });
});
