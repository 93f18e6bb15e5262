import { describe, expect, it } from 'vitest';
import type { CmdArgs, NetConf } from '../../lib/cni/plugin';
import { goQuote, parseCniArgs } from '../../lib/cni/args';
import { loadConfig } from '../../ipam/host-local/config';
import { formatIPNum } from '../../lib/ip';
import { setString } from '../../ipam/host-local/range-set';
import { errorOf } from './error-of';

function cmd(conf: Record<string, unknown>, cniArgs = ''): CmdArgs {
  const full = { cniVersion: '1.0.0', name: 'mynet', ...conf } as NetConf;
  return {
    command: 'ADD',
    containerID: 'ctr',
    netns: '/var/run/netns/x',
    ifName: 'eth0',
    args: cniArgs,
    path: [],
    stdin: Buffer.from(JSON.stringify(full)),
    conf: full,
    env: {},
    stderr: () => undefined,
  };
}

const ipam = (extra: Record<string, unknown>) => ({ ipam: { type: 'host-local', ...extra } });


describe('loadConfig', () => {
  it('parses an old-style config', () => {
    const c = loadConfig(cmd({ cniVersion: '0.3.1', ...ipam({ subnet: '10.1.2.0/24' }) }));
    expect(c.ranges.map(setString)).toEqual(['10.1.2.1-10.1.2.254']);
    expect(c.dataDir).toBe('/var/lib/cni/networks');
    expect(c.name).toBe('mynet');
    expect(c.routes).toEqual([]);
    expect(c.validAttachments).toBeUndefined();
  });

  it('orders range sets runtimeConfig.ipRanges, legacy, ipam.ranges', () => {
    const c = loadConfig(
      cmd({
        runtimeConfig: { irrelevant: 'a', ipRanges: [[{ subnet: '12.1.3.0/24' }]] },
        ...ipam({
          subnet: '10.1.2.0/24',
          rangeStart: '10.1.2.9',
          rangeEnd: '10.1.2.20',
          gateway: '10.1.2.30',
          ranges: [[{ subnet: '11.1.2.0/24', rangeStart: '11.1.2.9', rangeEnd: '11.1.2.20', gateway: '11.1.2.30' }]],
        }),
      }),
    );
    expect(c.ranges.map(setString)).toEqual(['12.1.3.1-12.1.3.254', '10.1.2.9-10.1.2.20', '11.1.2.9-11.1.2.20']);
    expect(c.ranges.map((s) => formatIPNum(s[0]!.gateway))).toEqual(['12.1.3.1', '10.1.2.30', '11.1.2.30']);
    expect(c.rangeFields).toEqual(['runtimeConfig.ipRanges[0]', 'ipam.subnet', 'ipam.ranges[0]']);
  });

  it('matches known keys case-insensitively, as encoding/json', () => {
    const c = loadConfig(cmd({ IPAM: { Type: 'host-local', DATADIR: '/x', Ranges: [[{ SUBNET: '10.0.2.0/24', RangeStart: '10.0.2.5' }]] } }));
    expect(c.dataDir).toBe('/x');
    expect(c.ranges.map(setString)).toEqual(['10.0.2.5-10.0.2.254']);
  });

  it('collects requested IPs: CNI_ARGS IP first, then args.cni.ips, then runtimeConfig.ips', () => {
    const c = loadConfig(
      cmd(
        {
          ...ipam({ ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: '2001:db8::/64' }]] }),
          args: { cni: { ips: ['10.1.2.11/24', '2001:DB8::9'] } },
          runtimeConfig: { ips: ['::ffff:10.1.2.12'] },
        },
        'IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.1.2.10',
      ),
    );
    expect(c.requestedIPs.map(formatIPNum)).toEqual(['10.1.2.10', '10.1.2.11', '2001:db8::9', '10.1.2.12']);
  });

  it('canonicalises routes as the reference prints them', () => {
    const c = loadConfig(
      cmd(
        ipam({
          subnet: '10.0.0.0/24',
          routes: [
            { dst: '0.0.0.0/0' },
            { dst: '10.0.0.5/8', gw: '', mtu: 0, advmss: 0, priority: 0 },
            { dst: '::ffff:10.0.0.0/104', gw: '10.0.0.254', mtu: 1400, table: 0, scope: null },
            { dst: '2001:DB8::/32', gw: '2001:DB8::0001', advmss: 1300, priority: 5, scope: 253 },
          ],
        }),
      ),
    );
    expect(c.routes).toEqual([
      { dst: '0.0.0.0/0' },
      { dst: '10.0.0.5/8' },
      { dst: '10.0.0.0/8', gw: '10.0.0.254', mtu: 1400, table: 0 },
      { dst: '2001:db8::/32', gw: '2001:db8::1', advmss: 1300, priority: 5, scope: 253 },
    ]);
  });

  it('keeps dataDir, resolvConf and GC attachments', () => {
    const att = [{ containerID: 'a', ifname: 'eth0' }];
    const base = ipam({ subnet: '10.0.0.0/24', dataDir: '/d', resolvConf: '/r' });
    expect(loadConfig(cmd({ ...base, 'cni.dev/valid-attachments': att, 'cni.dev/attachments': [] })).validAttachments).toEqual(att);
    expect(loadConfig(cmd({ ...base, 'cni.dev/attachments': att })).validAttachments).toEqual(att);
    expect(loadConfig(cmd({ ...base, 'cni.dev/valid-attachments': null })).validAttachments).toEqual([]);
    const c = loadConfig(cmd(base));
    expect([c.dataDir, c.resolvConf]).toEqual(['/d', '/r']);
  });

  it('allows one v4 and one v6 range set for 0.2.0 and empty legacy values', () => {
    const c = loadConfig(cmd({ cniVersion: '0.2.0', ...ipam({ ranges: [[{ subnet: '10.1.2.0/24', rangeStart: '' }], [{ subnet: '2001:db8:1::/64', gateway: null }]] }) }));
    expect(c.ranges).toHaveLength(2);
  });

  it('ignores legacy range keys without a subnet', () => {
    const c = loadConfig(cmd(ipam({ rangeStart: '10.9.9.9', ranges: [[{ subnet: '10.1.2.0/24' }]] })));
    expect(c.ranges.map(setString)).toEqual(['10.1.2.1-10.1.2.254']);
  });
});

describe('config errors name the field (code 7)', () => {
  const r = (subnet: string, more: Record<string, unknown> = {}) => ({ subnet, ...more });
  it.each<[string, Record<string, unknown>, string]>([
    ['missing ipam', {}, 'ipam is required'],
    ['ipam null', { ipam: null }, 'ipam must be object'],
    ['wrong type', ipam({ ranges: [[{ subnet: 1 }]] }), 'ipam.ranges[0][0].subnet must be string'],
    ['route without dst', ipam({ subnet: '10.0.0.0/24', routes: [{ gw: '10.0.0.1' }] }), 'ipam.routes[0].dst is required'],
    ['route mtu not an integer', ipam({ subnet: '10.0.0.0/24', routes: [{ dst: '0.0.0.0/0', mtu: 1.5 }] }), 'ipam.routes[0].mtu must be integer,null'],
    ['bad CIDR', ipam({ ranges: [[r('10.0.0.0/24')], [r('10.1.0.0/24'), r('10.0.0.0/33')]] }), 'ipam.ranges[1][1].subnet: invalid CIDR address "10.0.0.0/33"'],
    ['legacy bad CIDR', ipam({ subnet: '' }), 'ipam.subnet: invalid CIDR address ""'],
    ['bad rangeStart', ipam({ ranges: [[r('10.0.0.0/24', { rangeStart: '10.0.0.01' })]] }), 'ipam.ranges[0][0].rangeStart: invalid IP address "10.0.0.01"'],
    ['bad legacy gateway without subnet', ipam({ gateway: 'x', ranges: [[r('10.0.0.0/24')]] }), 'ipam.gateway: invalid IP address "x"'],
    ['bad args.cni.ips', { ...ipam({ subnet: '10.0.0.0/24' }), args: { cni: { ips: ['10.0.0.5', ''] } } }, 'args.cni.ips[1]: invalid IP address ""'],
    ['bad runtimeConfig.ips', { ...ipam({ subnet: '10.0.0.0/24' }), runtimeConfig: { ips: ['10.0.0.5/33'] } }, 'runtimeConfig.ips[0]: invalid IP address "10.0.0.5/33"'],
    ['bad route dst', ipam({ subnet: '10.0.0.0/24', routes: [{ dst: '0.0.0.0' }] }), 'ipam.routes[0].dst: invalid CIDR address "0.0.0.0"'],
    ['no ranges', ipam({ ranges: [] }), 'ipam.ranges: no IP ranges specified'],
    ['empty range set', ipam({ ranges: [[]] }), 'ipam.ranges[0]: empty range set'],
    ['host bits', ipam({ ranges: [[r('192.168.127.0/23')]] }), 'ipam.ranges[0][0].subnet: Network has host bits set. For a subnet mask of length 23 the network address is 192.168.126.0'],
    ['too small', { runtimeConfig: { ipRanges: [[r('10.0.0.0/31')]] }, ...ipam({}) }, 'runtimeConfig.ipRanges[0][0].subnet: Network 10.0.0.0/31 too small to allocate from'],
    ['legacy rangeEnd outside', ipam({ subnet: '10.0.0.0/24', rangeEnd: '10.0.1.1' }), 'ipam.rangeEnd: RangeEnd 10.0.1.1 not in network 10.0.0.0/24'],
    ['rangeStart outside', ipam({ ranges: [[r('10.0.0.0/24', { rangeStart: '10.0.1.1' })]] }), 'ipam.ranges[0][0].rangeStart: RangeStart 10.0.1.1 not in network 10.0.0.0/24'],
    ['mixed families', ipam({ ranges: [[r('10.0.0.0/24'), r('2001:db8::/64')]] }), 'ipam.ranges[0][1]: mixed address families'],
    ['overlap in a set', ipam({ ranges: [[r('10.1.0.0/22'), r('10.1.2.0/24')]] }), 'ipam.ranges[0][1]: subnets 10.1.0.1-10.1.3.254 and 10.1.2.1-10.1.2.254 overlap'],
    ['overlapping sets', ipam({ ranges: [[r('10.1.0.0/22')], [r('10.1.2.0/24')]] }), 'ipam.ranges[0], ipam.ranges[1]: range set 0 overlaps with 1'],
    ['legacy overlaps a set', ipam({ subnet: '10.1.2.0/24', ranges: [[r('10.1.0.0/16')]] }), 'ipam.subnet, ipam.ranges[0]: range set 0 overlaps with 1'],
    [
      'two v4 sets for 0.2.0',
      { cniVersion: '0.2.0', ...ipam({ ranges: [[r('10.1.2.0/24')], [r('10.1.3.0/24')]] }) },
      'cniVersion: CNI version 0.2.0 does not support more than 1 address per family',
    ],
    [
      'two v6 sets for 0.1.0',
      { cniVersion: '0.1.0', ...ipam({ ranges: [[r('fd00:1::/64')], [r('fd00:2::/64')]] }) },
      'cniVersion: CNI version 0.1.0 does not support more than 1 address per family',
    ],
  ])('%s', (_name, conf, details) => {
    const e = errorOf(() => loadConfig(cmd(conf)));
    expect(e.code).toBe(7);
    expect(e.details).toBe(details);
  });
});

describe('CNI_ARGS (libcni LoadArgs rules, code 999)', () => {
  const base = ipam({ ranges: [[{ subnet: '10.0.3.0/24' }]] });
  it.each([
    ['IP=10.0.3.9;FOO=bar;BAZ=1', 'ARGS: unknown args ["FOO=bar" "BAZ=1"]'],
    ['FOO=bar;IP=x', 'ARGS: error parsing value of pair "IP=x": invalid IP address x'],
    ['a=b=c', 'ARGS: invalid pair "a=b=c"'],
    ['IP=10.0.3.9;', 'ARGS: invalid pair ""'],
    ['ip=10.0.3.9', 'ARGS: unknown args ["ip=10.0.3.9"]'], // keys are case-sensitive
    ['IgnoreUnknown=yes;FOO=1', 'ARGS: error parsing value of pair "IgnoreUnknown=yes": boolean unmarshal error: invalid input yes'],
    ['FOO=1;IgnoreUnknown=0', 'ARGS: unknown args ["FOO=1"]'],
    ['K8S_POD_NAME=a;IgnoreUnknown=1;IgnoreUnknown=false', 'ARGS: unknown args ["K8S_POD_NAME=a"]'],
  ])('%s', (raw, msg) => {
    const e = errorOf(() => loadConfig(cmd(base, raw)));
    expect(e.code).toBe(999);
    expect(e.message).toBe(msg);
  });

  it.each([
    ['', []],
    ['IP=10.0.3.9', ['10.0.3.9']],
    ['IP=10.0.3.9/24', ['10.0.3.9']],
    ['IP=', []],
    ['IP=10.0.3.9;IP=10.0.3.8', ['10.0.3.8']],
    ['FOO=bar;IgnoreUnknown=TRUE;IP=10.0.3.7', ['10.0.3.7']],
    ['IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=x;K8S_POD_UID=u', []],
  ])('accepts %j', (raw, want) => {
    expect(loadConfig(cmd(base, raw)).requestedIPs.map(formatIPNum)).toEqual(want);
  });

  it('parseCniArgs returns the known keys', () => {
    expect(parseCniArgs('IgnoreUnknown=1;MAC=x;IP=1', ['IP', 'MAC'])).toEqual({ IgnoreUnknown: '1', MAC: 'x', IP: '1' });
    expect(parseCniArgs('IgnoreUnknown=true;FOO=1', ['IP'])).toEqual({ IgnoreUnknown: 'true' });
  });

  it('quotes like Go %q', () => {
    expect(goQuote('a"b\\c\n\x01é')).toBe('"a\\"b\\\\c\\n\\x01é"');
  });
});
