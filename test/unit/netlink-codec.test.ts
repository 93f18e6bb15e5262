// The pure netlink codec against bytes captured from the kernel and from iproute2
// (test/unit/fixtures/netlink/README.md says how): decode -> expected object, and
// re-encode -> the same bytes wherever the message is one lib/netlink builds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addrFromSpec, decodeAddr, encodeAddr } from '../../lib/netlink/addr';
import { encodeBridgePort, encodeBridgeVlan } from '../../lib/netlink/bridge';
import {
  Attrs, concat, decodeAttrs, decodeDone, decodeError, decodeIfInfo, decodeMsgs, encodeDone, encodeError, encodeIfInfo, encodeMsg, nla,
  type NlMsg,
} from '../../lib/netlink/codec';
import { AF, IFA_F, IFLA, IFLA_INFO, NLM_F, RTM, RT_SCOPE, VETH_INFO_PEER } from '../../lib/netlink/constants';
import { decodeLink, encodeNewLink, encodeSetLink } from '../../lib/netlink/link';
import { decodeRoute, encodeRoute, routeFromSpec } from '../../lib/netlink/route';

const fixture = (name: string): Uint8Array => {
  const text = readFileSync(join(__dirname, 'fixtures/netlink', name), 'utf8');
  return new Uint8Array(Buffer.from(text.split('\n').filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, ''), 'hex'));
};
const one = (name: string): { bytes: Uint8Array; m: NlMsg } => {
  const bytes = fixture(name);
  const msgs = decodeMsgs(bytes);
  expect(msgs).toHaveLength(1);
  return { bytes, m: msgs[0]! };
};
const hdr = (m: NlMsg): { type: number; flags: number; seq: number; pid: number } => ({ type: m.type, flags: m.flags, seq: m.seq, pid: m.pid });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('kernel replies decode', () => {
  const FOREVER = 0xffffffff;
  it.each([
    ['addr-v4.hex', decodeAddr, {
      family: AF.INET, index: 2, prefixLen: 24, address: '10.251.7.2', local: '10.251.7.2', broadcast: '10.251.7.255', label: 'eth0',
      scope: 0, flags: IFA_F.PERMANENT, cacheInfo: { preferred: FOREVER, valid: FOREVER, created: 122792, updated: 122792 },
    }],
    ['addr-v6.hex', decodeAddr, {
      family: AF.INET6, index: 2, prefixLen: 64, address: 'fd00:251::2', scope: 0, flags: IFA_F.PERMANENT | IFA_F.NODAD,
      cacheInfo: { preferred: FOREVER, valid: FOREVER, created: 122792, updated: 122792 },
    }],
    ['route-v4-default.hex', decodeRoute, {
      family: AF.INET, dstLen: 0, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 0, type: 1, flags: 0, gateway: '10.251.7.1', oif: 2,
    }],
    ['route-v4-metrics.hex', decodeRoute, {
      family: AF.INET, dst: '10.99.0.0', dstLen: 16, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 0, type: 1, flags: 0,
      priority: 100, gateway: '10.251.7.1', oif: 2, metrics: { mtu: 1300 },
    }],
    ['route-v4-table1000.hex', decodeRoute, {
      family: AF.INET, dst: '10.98.0.0', dstLen: 16, srcLen: 0, tos: 0, table: 1000, protocol: 3, scope: 0, type: 1, flags: 0, gateway: '10.251.7.1', oif: 2,
    }],
    ['route-v6.hex', decodeRoute, {
      family: AF.INET6, dst: 'fd00:99::', dstLen: 64, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 0, type: 1, flags: 0,
      priority: 1024, gateway: 'fd00:251::1', oif: 2,
    }],
  ] as const)('%s', (file, decode, expected) => {
    const { m } = one(file);
    expect(m.type).toBe(file.startsWith('addr') ? RTM.NEWADDR : RTM.NEWROUTE);
    expect(m.flags).toBe(NLM_F.MULTI | NLM_F.DUMP_FILTERED);
    expect(decode(m.payload)).toEqual(expected);
  });

  const common = { type: 1, broadcast: 'ff:ff:ff:ff:ff:ff', txQueueLen: 1000, minMtu: 68, maxMtu: 65535, mtu: 1500 };
  it.each([
    ['link-veth.hex', {
      ...common, index: 3, name: 'veth0', flags: 0x1003, up: true, mac: '92:ba:b4:c8:d6:85', master: 2, parent: 2, linkNetnsId: 0,
      operState: 2, promiscuity: 1, kind: 'veth', slaveKind: 'bridge',
    }],
    ['link-bridge.hex', {
      ...common, index: 2, name: 'br0', flags: 0x1043, up: true, mac: '92:ba:b4:c8:d6:85', operState: 0, promiscuity: 0, kind: 'bridge',
      data: { kind: 'bridge', vlanFiltering: false, stpState: 0, forwardDelay: 1500, ageingTime: 30000, mcastSnooping: true },
    }],
    ['link-macvlan.hex', {
      ...common, index: 6, name: 'mv0', flags: 0x1002, up: false, mac: 'a6:c0:0e:35:05:ef', parent: 4, operState: 2, promiscuity: 0,
      kind: 'macvlan', data: { kind: 'macvlan', mode: 'bridge', flags: 0, bcQueueLen: 1000 },
    }],
    ['link-vxlan.hex', {
      ...common, index: 7, name: 'vx0', flags: 0x1002, up: false, mac: '9e:c4:52:f6:94:f0', operState: 2, promiscuity: 0,
      kind: 'vxlan', data: { kind: 'vxlan', id: 42, port: 4789, learning: false, ttl: 0 },
    }],
  ])('%s', (file, expected) => {
    const { m } = one(file);
    expect([m.type, m.flags]).toEqual([RTM.NEWLINK, NLM_F.MULTI]);
    expect(decodeLink(m.payload)).toEqual(expected);
  });

  it('bridge-port.hex: AF_BRIDGE entry with IFLA_PROTINFO (NLA_F_NESTED) port flags', () => {
    const link = decodeLink(one('bridge-port.hex').m.payload);
    expect(link).toMatchObject({ index: 3, name: 'veth0', master: 2 });
    expect(link.bridgePort).toEqual({
      hairpin: true, isolated: false, learning: true, unicastFlood: true, mcastFlood: true, bcastFlood: true, guard: false,
      rootBlock: false, fastLeave: false, proxyArp: false, neighSuppress: false, state: 0, priority: 32, cost: 2,
    });
  });

  it('error-eexist-extack.hex: errno, echoed request, extack', () => {
    const { m } = one('error-eexist-extack.hex');
    const e = decodeError(m);
    expect(e).toMatchObject({ errno: 17, extack: 'ipv4: Address already assigned', request: { len: 56, type: RTM.NEWADDR, flags: 0x605 } });
    expect(m.flags).toBe(NLM_F.ACK_TLVS);
    // the echoed request is an RTM_NEWADDR lib/netlink built: decode it back
    expect(decodeAddr(e.requestPayload!)).toMatchObject({ address: '10.251.7.2', prefixLen: 24, broadcast: '10.251.7.255' });
  });

  it('ack.hex and done.hex', () => {
    expect(decodeError(one('ack.hex').m)).toEqual({ errno: 0, request: { len: 56, type: RTM.NEWADDR, flags: 0x605, seq: 1255761835, pid: 0 } });
    expect(decodeDone(one('done.hex').m)).toEqual({ errno: 0 });
  });
});

describe('kernel messages re-encode byte for byte', () => {
  it.each(['addr-v4.hex', 'addr-v6.hex'])('%s through Addr', (file) => {
    const { bytes, m } = one(file);
    expect(hex(encodeMsg(hdr(m), encodeAddr(decodeAddr(m.payload))))).toBe(hex(bytes));
  });

  it.each(['route-v4-default.hex', 'route-v4-metrics.hex', 'route-v4-table1000.hex'])('%s through Route', (file) => {
    const { bytes, m } = one(file);
    expect(hex(encodeMsg(hdr(m), encodeRoute(decodeRoute(m.payload))))).toBe(hex(bytes));
  });

  it.each(['link-veth.hex', 'link-bridge.hex', 'link-macvlan.hex', 'link-vxlan.hex', 'bridge-port.hex', 'route-v6.hex'])('%s through the attribute layer', (file) => {
    const { bytes, m } = one(file);
    const fixed = m.type === RTM.NEWLINK ? 16 : 12;
    const attrs = decodeAttrs(m.payload.subarray(fixed));
    const head = m.type === RTM.NEWLINK ? encodeIfInfo(decodeIfInfo(m.payload)) : m.payload.subarray(0, fixed);
    expect(hex(encodeMsg(hdr(m), head, ...attrs.map((a) => nla.raw(a.type | a.flags, a.data))))).toBe(hex(bytes));
    if (m.type === RTM.NEWLINK && file.startsWith('link')) {
      const info = attrs.find((a) => a.type === IFLA.LINKINFO)!;
      expect(hex(nla.raw(IFLA.LINKINFO, concat(decodeAttrs(info.data).map((a) => nla.raw(a.type | a.flags, a.data)))))).toBe(hex(nla.raw(info.type | info.flags, info.data)));
    }
  });

  it('error-eexist-extack.hex through encodeError', () => {
    const { bytes, m } = one('error-eexist-extack.hex');
    const e = decodeError(m);
    const request = encodeMsg(e.request, e.requestPayload!);
    expect(hex(encodeError({ ...hdr(m), flags: 0 }, { errno: 17, request, extack: e.extack! }))).toBe(hex(bytes));
  });

  it('ack.hex and done.hex', () => {
    const ack = one('ack.hex');
    const request = encodeMsg(decodeError(ack.m).request, new Uint8Array(40));
    expect(hex(encodeError({ ...hdr(ack.m), flags: 0 }, { errno: 0, request, capped: true }))).toBe(hex(ack.bytes));
    const done = one('done.hex');
    expect(hex(encodeDone(hdr(done.m)))).toBe(hex(done.bytes));
  });
});

describe('requests match the bytes iproute2 6.1 sends', () => {
  const request = (file: string): NlMsg => one(file).m;
  it.each([
    ['iproute2-hairpin.hex', RTM.SETLINK, encodeBridgePort(3, { hairpin: true })],
    ['iproute2-vlan-add.hex', RTM.SETLINK, encodeBridgeVlan(3, { vid: 10, pvid: true, untagged: true, master: true })],
    ['iproute2-vlan-range-del.hex', RTM.DELLINK, encodeBridgeVlan(3, { vid: 20, vidEnd: 30, master: true })],
  ])('%s: identical message', (file, type, payload) => {
    const { bytes, m } = one(file);
    expect(m.type).toBe(type);
    expect(hex(encodeMsg({ type, flags: NLM_F.REQUEST | NLM_F.ACK, seq: m.seq, pid: 0 }, payload))).toBe(hex(bytes));
  });

  // iproute2 orders attributes differently and omits IFLA_INFO_KIND's NUL; the kernel
  // takes both. Compare attribute by attribute, and IFLA_INFO_DATA byte for byte.
  it.each([
    ['iproute2-macvlan.hex', encodeNewLink({ kind: 'macvlan', name: 'mv0', parent: 2, mode: 'bridge' })],
    ['iproute2-ipvlan.hex', encodeNewLink({ kind: 'ipvlan', name: 'ipv0', parent: 2, mode: 'l2', flag: 'bridge' })],
  ])('%s: same attributes, same IFLA_INFO_DATA', (file, ours) => {
    const theirs = request(file);
    expect(theirs.flags).toBe(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL);
    const a = new Attrs(ours.subarray(16)), b = new Attrs(theirs.payload.subarray(16));
    expect(hex(ours.subarray(0, 16))).toBe(hex(theirs.payload.subarray(0, 16)));
    expect(a.list.map((x) => x.type).sort()).toEqual(b.list.map((x) => x.type).sort());
    expect([a.str(IFLA.IFNAME), a.u32(IFLA.LINK)]).toEqual([b.str(IFLA.IFNAME), b.u32(IFLA.LINK)]);
    const [ia, ib] = [a.nested(IFLA.LINKINFO)!, b.nested(IFLA.LINKINFO)!];
    expect(ia.str(IFLA_INFO.KIND)).toBe(ib.str(IFLA_INFO.KIND));
    expect(hex(ia.get(IFLA_INFO.DATA)!)).toBe(hex(ib.get(IFLA_INFO.DATA)!));
  });
});

describe('builders', () => {
  it('veth with its peer created in another netns', () => {
    const p = encodeNewLink({ kind: 'veth', name: 'veth0', mtu: 1400, peer: { name: 'eth0', nsFd: 21, mac: '0a:58:0a:fb:07:02' } });
    expect(hex(p)).toBe([
      '00000000000000000000000000000000', // ifinfomsg
      '0a000300' + hex(new TextEncoder().encode('veth0\0')) + '0000', '08000400' + '78050000', // IFNAME, MTU 1400
      '48001200', '09000100' + hex(new TextEncoder().encode('veth\0')) + '000000', // LINKINFO, KIND
      '38000200', '34000100', '00000000000000000000000000000000', // DATA, VETH_INFO_PEER, peer ifinfomsg
      '09000300' + hex(new TextEncoder().encode('eth0\0')) + '000000', '0a000100' + '0a580afb0702' + '0000', '08001c00' + '15000000', // IFNAME, ADDRESS, NET_NS_FD
    ].join(''));
    const peer = new Attrs(new Attrs(new Attrs(new Attrs(p.subarray(16)).get(IFLA.LINKINFO)!).get(IFLA_INFO.DATA)!).get(VETH_INFO_PEER)!.subarray(16));
    expect([peer.str(IFLA.IFNAME), peer.u32(IFLA.NET_NS_FD), peer.mac(IFLA.ADDRESS)]).toEqual(['eth0', 21, '0a:58:0a:fb:07:02']);
  });

  it('bridge options only when given; up and master at creation', () => {
    const bare = new Attrs(encodeNewLink({ kind: 'bridge', name: 'cni0' }).subarray(16));
    expect(bare.nested(IFLA.LINKINFO)!.has(IFLA_INFO.DATA)).toBe(false);
    const p = encodeNewLink({ kind: 'bridge', name: 'cni0', up: true, bridge: { vlanFiltering: true, vlanDefaultPvid: 1 } });
    expect(decodeIfInfo(p)).toMatchObject({ flags: 1, change: 1 });
    expect(hex(new Attrs(p.subarray(16)).nested(IFLA.LINKINFO)!.get(IFLA_INFO.DATA)!)).toBe('050007000100000006002700' + '01000000');
    expect(new Attrs(encodeNewLink({ kind: 'veth', name: 'a', peer: { name: 'b' }, master: 7 }).subarray(16)).u32(IFLA.MASTER)).toBe(7);
  });

  it('setLink: flags with their change mask; nomaster is master 0', () => {
    expect(decodeIfInfo(encodeSetLink(5, { up: true, promisc: false }))).toEqual({ family: 0, type: 0, index: 5, flags: 1, change: 0x101 });
    const a = new Attrs(encodeSetLink(5, { master: 0, name: 'eth1', nsFd: 9 }).subarray(16));
    expect([a.u32(IFLA.MASTER), a.str(IFLA.IFNAME), a.u32(IFLA.NET_NS_FD)]).toEqual([0, 'eth1', 9]);
  });

  it('addresses: IPv4 broadcast as vishvananda/netlink computes it; IPv6 has no IFA_LOCAL', () => {
    expect(addrFromSpec(4, { address: '10.1.2.3', prefixLen: 24 })).toMatchObject({ local: '10.1.2.3', broadcast: '10.1.2.255' });
    expect(addrFromSpec(4, { address: '10.1.2.3', prefixLen: 20 }).broadcast).toBe('10.1.15.255');
    expect(addrFromSpec(4, { address: '10.1.2.3', prefixLen: 31 }).broadcast).toBeUndefined();
    expect(addrFromSpec(4, { address: '10.1.2.3', prefixLen: 24, broadcast: false }).broadcast).toBeUndefined();
    expect(addrFromSpec(4, { address: '10.1.2.3', prefixLen: 24 }, true).broadcast).toBeUndefined();
    const v6 = addrFromSpec(4, { address: 'FD00::0:3', prefixLen: 64, flags: IFA_F.NODAD, validLft: 60 });
    expect(v6).toEqual({ family: AF.INET6, index: 4, prefixLen: 64, address: 'fd00::3', scope: 0, flags: 2, cacheInfo: { valid: 60, preferred: 60, created: 0, updated: 0 } });
    expect(() => addrFromSpec(4, { address: '10.1.2.3', prefixLen: 33 })).toThrow(RangeError);
  });

  it('routes: defaults, tables above 255, family checks', () => {
    expect(routeFromSpec({ dst: '10.2.0.0/16', oif: 3 })).toMatchObject({ family: AF.INET, dst: '10.2.0.0', dstLen: 16, scope: RT_SCOPE.LINK, table: 254, protocol: 3, type: 1 });
    expect(routeFromSpec({ gateway: 'fd00::1' })).toMatchObject({ family: AF.INET6, dstLen: 0, scope: RT_SCOPE.UNIVERSE });
    expect(routeFromSpec({ dst: '0.0.0.0/0', gateway: '10.0.0.1' }).dst).toBeUndefined();
    const big = encodeRoute(routeFromSpec({ dst: '10.2.0.0/16', gateway: '10.0.0.1', table: 1000 }));
    expect(big[4]).toBe(252); // rtm_table = RT_TABLE_COMPAT, the id in RTA_TABLE
    expect(new Attrs(big.subarray(12)).u32(15)).toBe(1000);
    expect(() => routeFromSpec({ dst: '10.2.0.0/16', gateway: 'fd00::1' })).toThrow(/not of the destination's family/);
    expect(routeFromSpec({ dst: '10.2.0.0/16', gateway: '192.168.1.1', onlink: true }).flags).toBe(4);
  });
});

describe('attribute layer', () => {
  it('strips NLA_F_NESTED from types, keeps duplicates, first wins', () => {
    const b = concat([nla.nest(IFLA.PROTINFO | 0x8000, nla.u8(4, 1)), nla.u32(3, 1), nla.u32(3, 2)]);
    const a = new Attrs(b);
    expect(a.list.map((x) => [x.type, x.flags])).toEqual([[12, 0x8000], [3, 0], [3, 0]]);
    expect([a.u32(3), a.all(3).length, a.nested(12)!.u8(4)]).toEqual([1, 2, 1]);
  });

  it('rejects malformed lengths', () => {
    expect(() => decodeAttrs(Uint8Array.of(9, 0, 1, 0, 0))).toThrow(RangeError);
    expect(() => decodeMsgs(new Uint8Array(20).fill(0xff))).toThrow(RangeError);
  });

  it('pads strings and odd payloads to 4 bytes', () => {
    expect(hex(nla.str(3, 'ab'))).toBe('0700030061620000');
    expect(hex(nla.be16(15, 4789))).toBe('06000f0012b50000');
    expect(hex(encodeMsg({ type: 3, flags: 2, seq: 1, pid: 2 }, Uint8Array.of(1)))).toBe('11000000030002000100000002000000' + '01000000');
  });
});
