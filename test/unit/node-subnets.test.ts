// The node agent's pure parts: network config (flannel's defaults and refusals), subnet
// allocation, lease keys and values as flanneld writes them, subnet.env, the conflist,
// and flannel's iptables rules.
import { describe, expect, it } from 'vitest';
import { fitsConfig, freeSubnets, pickSubnet } from '../../lib/node/allocate';
import { ConfigError, parseNetworkConfig } from '../../lib/node/config';
import { conflist, formatSubnetEnv, previousSubnet } from '../../lib/node/files';
import { decodeLeaseAttrs, encodeLeaseAttrs, type Lease, parseSubnetKey, subnetKey } from '../../lib/node/lease';
import { forwardRules, masqRules, planTable } from '../../lib/node/masq';
import { formatIP4, formatNet4, type Net4, parseNet4 } from '../../lib/node/net4';
import { parseSave, ruleLine } from '../../lib/masq/xtsave';
import { randomMac } from '../../lib/node/vxlan';

const net = (s: string): Net4 => parseNet4(s)!;

describe('network config (<prefix>/config)', () => {
  it.each([
    ['/16: /24 subnets from the second to the last', { Network: '10.244.0.0/16', Backend: { Type: 'vxlan' } }, { subnetLen: 24, min: '10.244.1.0', max: '10.244.255.0', vni: 1, port: 0 }],
    ['/24: four /26', { Network: '10.5.0.0/24', Backend: { Type: 'host-gw' } }, { subnetLen: 26, min: '10.5.0.64', max: '10.5.0.192', vni: 0, port: 0 }],
    ['explicit range, VNI, port; keys any case', { network: '10.1.0.0/16', subnetlen: 25, SubnetMin: '10.1.8.0', SubnetMax: '10.1.9.128', backend: { type: 'vxlan', vni: 4, Port: 4789 } },
      { subnetLen: 25, min: '10.1.8.0', max: '10.1.9.128', vni: 4, port: 4789 }],
    ['host bits of Network cleared, as net.ParseCIDR', { Network: '10.244.7.9/16', Backend: { Type: 'host-gw' } }, { subnetLen: 24, min: '10.244.1.0', max: '10.244.255.0', vni: 0, port: 0 }],
  ])('%s', (_n, json, want) => {
    const c = parseNetworkConfig(JSON.stringify(json));
    expect({ subnetLen: c.subnetLen, min: formatIP4(c.subnetMin), max: formatIP4(c.subnetMax), vni: c.vni, port: c.port }).toEqual(want);
  });

  it.each([
    ['not JSON', '{', '(document)'],
    ['no Network', '{"Backend":{"Type":"vxlan"}}', 'Network'],
    ['bad Network', '{"Network":"10.0.0/8","Backend":{"Type":"vxlan"}}', 'Network'],
    ['Network too small', '{"Network":"10.0.0.0/29","Backend":{"Type":"vxlan"}}', 'Network'],
    ['SubnetLen > 30', '{"Network":"10.0.0.0/8","SubnetLen":31,"Backend":{"Type":"vxlan"}}', 'SubnetLen'],
    ['SubnetLen too close to Network', '{"Network":"10.0.0.0/8","SubnetLen":9,"Backend":{"Type":"vxlan"}}', 'SubnetLen'],
    ['SubnetMin outside', '{"Network":"10.0.0.0/16","SubnetMin":"10.1.0.0","Backend":{"Type":"vxlan"}}', 'SubnetMin'],
    ['SubnetMax off boundary', '{"Network":"10.0.0.0/16","SubnetMax":"10.0.3.7","Backend":{"Type":"vxlan"}}', 'SubnetMax'],
    ['no Backend (flannel: udp)', '{"Network":"10.0.0.0/16"}', 'Backend.Type'],
    ['udp backend', '{"Network":"10.0.0.0/16","Backend":{"Type":"udp"}}', 'Backend.Type'],
    ['VNI not a number', '{"Network":"10.0.0.0/16","Backend":{"Type":"vxlan","VNI":"1"}}', 'Backend.VNI'],
    ['DirectRouting', '{"Network":"10.0.0.0/16","Backend":{"Type":"vxlan","DirectRouting":true}}', 'Backend.DirectRouting'],
    ['IPv6', '{"Network":"10.0.0.0/16","EnableIPv6":true,"Backend":{"Type":"vxlan"}}', 'EnableIPv6'],
  ])('%s: refused, naming %s', (_n, text, fieldName) => {
    try { parseNetworkConfig(text); expect.unreachable(); } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe(fieldName);
    }
  });
});

describe('subnet allocation (flannel tryAcquireLease order)', () => {
  const cfg = parseNetworkConfig('{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}');
  const lease = (sn: string, ip: string, etcdLease = '7'): Lease => ({ subnet: net(sn), attrs: { publicIP: ip, backendType: 'host-gw' }, etcdLease });
  const leases = [lease('10.244.1.0/24', '192.0.2.1'), lease('10.244.3.0/24', '192.0.2.3')];

  it('free subnets skip leased ones, from SubnetMin, at most 100', () => {
    const free = freeSubnets(cfg, leases);
    expect(free.slice(0, 3).map(formatNet4)).toEqual(['10.244.2.0/24', '10.244.4.0/24', '10.244.5.0/24']);
    expect(free).toHaveLength(100);
  });
  it.each([
    ['our PublicIP has a lease: reuse it', '192.0.2.3', undefined, { kind: 'reuse', subnet: '10.244.3.0/24' }],
    ['previous subnet (subnet.env) still free', '192.0.2.9', '10.244.77.0/24', { kind: 'new', subnet: '10.244.77.0/24' }],
    ['previous subnet taken by another node: a free one', '192.0.2.9', '10.244.1.0/24', { kind: 'new', subnet: '10.244.2.0/24' }],
    ['previous subnet outside the config: a free one', '192.0.2.9', '10.9.0.0/24', { kind: 'new', subnet: '10.244.2.0/24' }],
    ['nothing: the random pick among the free', '192.0.2.9', undefined, { kind: 'new', subnet: '10.244.2.0/24' }],
  ])('%s', (_n, ip, prev, want) => {
    const p = pickSubnet(cfg, leases, ip, prev ? net(prev) : undefined, () => 0)!;
    expect({ kind: p.kind, subnet: formatNet4(p.kind === 'new' ? p.subnet : p.lease.subnet) }).toEqual(want);
  });
  it('our lease outside the config is stale (deleted, then picked again)', () => {
    const p = pickSubnet(cfg, [lease('10.9.0.0/24', '192.0.2.1')], '192.0.2.1', undefined)!;
    expect(p.kind).toBe('stale');
  });
  it('a full network has nothing to pick', () => {
    const small = parseNetworkConfig('{"Network":"10.0.0.0/24","Backend":{"Type":"host-gw"}}');
    const all = freeSubnets(small, []).map((sn, i) => lease(formatNet4(sn), `192.0.2.${i + 10}`));
    expect(all).toHaveLength(3);
    expect(pickSubnet(small, all, '192.0.2.99', undefined)).toBeUndefined();
    expect(fitsConfig(small, net('10.0.0.0/26'))).toBe(false); // the first subnet is never leased
  });
});

describe('leases as flanneld stores them', () => {
  it.each([
    ['/coreos.com/network', '10.5.52.0/24', '/coreos.com/network/subnets/10.5.52.0-24'],
    ['/x/', '10.0.0.64/26', '/x/subnets/10.0.0.64-26'],
  ])('key under %s for %s', (prefix, sn, key) => {
    expect(subnetKey(prefix, net(sn))).toBe(key);
    expect(formatNet4(parseSubnetKey(key)!)).toBe(sn);
  });
  it('dual-stack keys give their IPv4 half; others are not leases', () => {
    expect(formatNet4(parseSubnetKey('/p/subnets/10.5.52.0-24&fc00::-64')!)).toBe('10.5.52.0/24');
    expect(parseSubnetKey('/p/subnets/junk')).toBeUndefined();
  });
  it.each([
    ['vxlan (Documentation/reservations.md)', { publicIP: '192.168.64.3', backendType: 'vxlan', vtep: { vni: 1, mac: 'c6:d2:32:6f:8f:44' } },
      '{"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}'],
    ['host-gw: no BackendData', { publicIP: '10.0.0.2', backendType: 'host-gw' }, '{"PublicIP":"10.0.0.2","PublicIPv6":null,"BackendType":"host-gw"}'],
  ])('value: %s, byte for byte, and back', (_n, attrs, json) => {
    expect(encodeLeaseAttrs(attrs)).toBe(json);
    expect(decodeLeaseAttrs(json)).toEqual(attrs);
  });
  it.each([
    ['{"PublicIP":"x"}', /PublicIP/],
    ['{"PublicIP":"10.0.0.1","BackendType":"vxlan","BackendData":{"VNI":1}}', /VtepMAC/],
    ['[]', /PublicIP/],
  ])('bad value %s', (text, msg) => { expect(() => decodeLeaseAttrs(text)).toThrow(msg); });
  it('VTEP MACs are unicast and locally administered', () => {
    expect(randomMac(Uint8Array.of(0xff, 1, 2, 3, 4, 5))).toBe('fe:01:02:03:04:05');
    expect(randomMac(Uint8Array.of(0x00, 1, 2, 3, 4, 5))).toBe('02:01:02:03:04:05');
  });
});

describe('files', () => {
  it('subnet.env in flannel\'s format (first usable address) and read back', () => {
    const text = formatSubnetEnv({ network: net('10.244.0.0/16'), subnet: net('10.244.1.0/24'), mtu: 1450, ipMasq: true });
    expect(text).toBe('FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
    expect(formatNet4(previousSubnet(text)!)).toBe('10.244.1.0/24');
    expect(previousSubnet('FLANNEL_MTU=1\n')).toBeUndefined();
  });
  it('conflist: bridge cni0 + host-local on the node subnet, route to the network, the bridge never masquerades', () => {
    const c = JSON.parse(conflist({ network: net('10.244.0.0/16'), subnet: net('10.244.7.0/24'), mtu: 1450 }));
    expect(c).toEqual({ cniVersion: '1.0.0', name: 'cbr0', plugins: [{
      type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, hairpinMode: true, mtu: 1450,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.7.0/24', gateway: '10.244.7.1' }]], routes: [{ dst: '10.244.0.0/16' }] },
    }] });
  });
});

describe('flannel\'s iptables rules', () => {
  const rules = masqRules('10.244.0.0/16', '10.244.1.0/24', true);
  it('as flanneld writes them (iptables-save lines)', () => {
    expect(rules.map((r) => ruleLine('-A', r))).toEqual([
      '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
      '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
      '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    ]);
    expect(forwardRules('10.244.0.0/16').map((r) => ruleLine('-A', r))[1]).toBe('-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT');
  });
  it('one restore when anything differs, none when the table already holds them', () => {
    const empty = parseSave('*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n');
    const plan = planTable('nat', empty, rules, 'POSTROUTING');
    expect(plan[0]).toBe('*nat');
    expect(plan[1]).toBe(':FLANNEL-POSTRTG - [0:0]');
    expect(plan.at(-1)).toBe('COMMIT');
    const saved = parseSave(['*nat', ':POSTROUTING ACCEPT [0:0]', ':FLANNEL-POSTRTG - [0:0]', ...plan.slice(2, -1), 'COMMIT'].join('\n'));
    expect(planTable('nat', saved, rules, 'POSTROUTING')).toEqual([]);
    // our subnet changed: the chain is rewritten, the jump is not added twice
    const again = planTable('nat', saved, masqRules('10.244.0.0/16', '10.244.2.0/24', true), 'POSTROUTING');
    expect(again.filter((l) => l.startsWith('-A POSTROUTING'))).toEqual([]);
    expect(again).toContain(':FLANNEL-POSTRTG - [0:0]');
  });
});
