import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CniError } from '../../lib/cni/errors';
import type { Result } from '../../lib/cni/types/current';
import {
  allVersions,
  compareVersions,
  convertAny,
  convertResult,
  converters,
  formatError,
  formatResult,
  formatVersionInfo,
  parseResult,
  parseResultVersioned,
  versionFamily,
  versionGreaterOrEqual,
  type AnyResult,
  type ConverterTable,
  type Family,
  type Result020,
  type Result040,
} from '../../lib/cni/types/convert';
import { goMarshal, goQuote } from '../../lib/cni/types/json';

const golden = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../golden/${name}`, import.meta.url)), 'utf8');

function thrown(fn: () => unknown): CniError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    return e as CniError;
  }
  throw new Error('expected a CniError');
}

// What host-local produces for test/golden/*.conf.json, as a current result.
const goldenDNS = {
  nameservers: ['192.0.2.53', '2001:db8::53'],
  domain: 'example.test',
  search: ['a.example.test', 'b.example.test'],
  options: ['ndots:2', 'edns0', 'x<&>y'],
};
const hostLocal: Record<string, Result> = {
  dual: {
    cniVersion: '1.1.0',
    ips: [
      { address: '10.10.0.10/24', gateway: '10.10.0.1' },
      { address: 'fd00:10::10/64', gateway: 'fd00:10::1' },
    ],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.10.0.254' }, { dst: '::/0' }],
    dns: goldenDNS,
  },
  single: {
    cniVersion: '1.1.0',
    ips: [{ address: '10.30.0.10/24', gateway: '10.30.0.1' }],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
  },
  multi: {
    cniVersion: '1.1.0',
    ips: [
      { address: '10.20.0.10/24', gateway: '10.20.0.1' },
      { address: '10.21.0.10/24', gateway: '10.21.0.1' },
      { address: 'fd00:20::10/64', gateway: 'fd00:20::1' },
    ],
    routes: [{ dst: '0.0.0.0/0', gw: '10.20.0.1' }, { dst: 'fd00:99::/64', gw: 'fd00:20::1' }],
  },
};
const refVersions = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'];
const goldenCases = [
  ...refVersions.flatMap((v) => [['dual', v], ['single', v]]),
  ...refVersions.filter((v) => v >= '0.3.0').map((v) => ['multi', v]),
  ['dual', 'none'],
  ['single', 'none'],
];

describe('formatResult against reference host-local output', () => {
  it.each(goldenCases)('%s %s', (variant, v) => {
    const expected = golden(`host-local-${variant}-${v}.json`);
    expect(formatResult(hostLocal[variant]!, v === 'none' ? '' : v)).toBe(expected);
  });

  it.each(goldenCases)('parse + reprint round-trips %s %s', (variant, v) => {
    const bytes = golden(`host-local-${variant}-${v}.json`);
    const parsed = parseResultVersioned(Buffer.from(bytes), '');
    expect(parsed.version).toBe(v === 'none' ? '0.1.0' : v);
    expect(formatResult(parsed.result, parsed.version)).toBe(bytes);
  });

  it('reproduces host-local error objects', () => {
    expect(formatError(new CniError(999, 'CNI version 0.2.0 does not support more than 1 address per family')))
      .toBe(golden('host-local-multi-0.2.0.json'));
    expect(formatError(new CniError(999, 'CNI version  does not support more than 1 address per family')))
      .toBe(golden('host-local-multi-none.json'));
    expect(formatError(new CniError(6, 'error unmarshall network config: unexpected end of JSON input')))
      .toBe(golden('error-decode.json'));
    const supported = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'];
    const details = `config is ${goQuote('9.9.9')}, plugin supports [${supported.map(goQuote).join(' ')}]`;
    expect(formatError(new CniError(1, 'incompatible CNI versions', details))).toBe(golden('error-incompatible.json'));
    expect(formatError(new CniError(7, 'invalid characters found in network name', 'n<&>')))
      .toBe(golden('error-name.json'));
  });

  it('reproduces the VERSION answer (compact, trailing newline)', () => {
    expect(formatVersionInfo(refVersions, '1.0.0')).toBe(golden('host-local-version.out'));
    expect(formatVersionInfo(allVersions)).toBe(
      '{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n',
    );
  });
});

// A full 1.x result: two interfaces, IPs with interface index, three addresses, every route field.
const full: Result = {
  cniVersion: '1.1.0',
  interfaces: [
    { name: 'cni0', mac: '0a:58:0a:0a:00:01', mtu: 1500, socketPath: '/run/vhost.sock', pciID: '0000:00:1f.6' },
    { name: 'eth0', mac: '0a:58:0a:0a:00:0a', sandbox: '/var/run/netns/x' },
  ],
  ips: [
    { interface: 1, address: '10.10.0.10/24', gateway: '10.10.0.1' },
    { interface: 1, address: '10.11.0.10/24' },
    { interface: 1, address: 'fd00::10/64', gateway: 'fd00::1' },
  ],
  routes: [
    { dst: '0.0.0.0/0', gw: '10.10.0.1', mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 },
    { dst: '::/0', gw: 'fd00::1' },
  ],
  dns: { nameservers: ['10.10.0.1'], search: ['cluster.local'] },
};

const full040: Result040 = {
  cniVersion: '0.4.0',
  interfaces: [
    { name: 'cni0', mac: '0a:58:0a:0a:00:01' },
    { name: 'eth0', mac: '0a:58:0a:0a:00:0a', sandbox: '/var/run/netns/x' },
  ],
  ips: [
    { version: '4', interface: 1, address: '10.10.0.10/24', gateway: '10.10.0.1' },
    { version: '4', interface: 1, address: '10.11.0.10/24' },
    { version: '6', interface: 1, address: 'fd00::10/64', gateway: 'fd00::1' },
  ],
  routes: full.routes!,
  dns: full.dns!,
};

const full020: Result020 = {
  cniVersion: '0.2.0',
  ip4: { ip: '10.10.0.10/24', gateway: '10.10.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.10.0.1' }] },
  ip6: { ip: 'fd00::10/64', gateway: 'fd00::1', routes: [{ dst: '::/0', gw: 'fd00::1' }] },
  dns: full.dns!,
};

const inputs: Record<Family, AnyResult> = { v020: full020, v040: full040, v100: full };
const targetVersion: Record<Family, string> = { v020: '0.1.0', v040: '0.3.1', v100: '1.0.0' };
const withVersion = <T extends AnyResult>(r: T, v: string): T => ({ ...r, cniVersion: v });
const upFrom020: Result = {
  cniVersion: '1.0.0',
  ips: [
    { address: '10.10.0.10/24', gateway: '10.10.0.1' },
    { address: 'fd00::10/64', gateway: 'fd00::1' },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.10.0.1' }, { dst: '::/0', gw: 'fd00::1' }],
  dns: full.dns!,
};
const expected: Record<Family, Record<Family, AnyResult>> = {
  v020: {
    v020: withVersion(full020, '0.1.0'),
    v040: {
      cniVersion: '0.3.1',
      ips: upFrom020.ips!.map((ip, i) => ({ version: i === 0 ? '4' : '6', ...ip })),
      routes: upFrom020.routes!,
      dns: full.dns!,
    },
    v100: upFrom020,
  },
  v040: {
    v020: withVersion({ ...full020, ip4: { ...full020.ip4!, routes: [{ dst: '0.0.0.0/0', gw: '10.10.0.1' }] } }, '0.1.0'),
    v040: withVersion(full040, '0.3.1'),
    v100: { ...withVersion(full, '1.0.0'), interfaces: full040.interfaces! },
  },
  v100: {
    v020: withVersion(full020, '0.1.0'),
    v040: withVersion(full040, '0.3.1'),
    v100: withVersion(full, '1.0.0'),
  },
};

describe('converter table', () => {
  const pairs = (Object.keys(converters) as Family[]).flatMap((f) =>
    (Object.keys(converters[f]) as Family[]).map((t) => [f, t] as const),
  );

  it('covers all nine family pairs', () => {
    expect(pairs).toHaveLength(9);
    // @ts-expect-error a table that lacks a pair must not compile
    const incomplete: ConverterTable = { ...converters, v100: { v020: converters.v100.v020, v040: converters.v100.v040 } };
    expect(incomplete).toBeDefined();
  });

  it.each(pairs)('%s -> %s', (f, t) => {
    const input = structuredClone(inputs[f]);
    const out = convertAny(input, targetVersion[t]);
    expect(out).toEqual(expected[f][t]);
    expect(input).toEqual(inputs[f]); // the input is not modified
    if (f !== t) expect(out).not.toBe(input);
  });

  it('1.x -> 0.2 keeps only the first address of each family and drops routes of a missing family', () => {
    const r: Result = {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0' }],
      ips: [{ interface: 0, address: '10.0.0.2/24' }, { interface: 0, address: '10.0.1.2/24', gateway: '10.0.1.1' }],
      routes: [{ dst: '10.9.0.0/16', mtu: 1400 }, { dst: '2001:db8::/32', gw: '2001:db8::1' }],
    };
    expect(convertResult(r, '0.2.0')).toEqual({
      cniVersion: '0.2.0',
      ip4: { ip: '10.0.0.2/24', routes: [{ dst: '10.9.0.0/16' }] },
    });
  });

  it('an IPv4-mapped IPv6 address counts as IPv4 (Go To4)', () => {
    const r: Result = { cniVersion: '1.1.0', ips: [{ address: '::ffff:10.0.0.2/120' }] };
    expect(convertResult(r, '0.4.0')).toEqual({ cniVersion: '0.4.0', ips: [{ version: '4', address: '::ffff:10.0.0.2/120' }] });
    expect(formatResult(r, '0.4.0')).toContain('"address": "10.0.0.2/24"');
  });

  it('an L2-only result cannot be printed as 0.1/0.2', () => {
    const l2: Result = { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/x' }] };
    for (const v of ['0.1.0', '0.2.0', '']) {
      const e = thrown(() => formatResult(l2, v));
      expect([e.code, e.msg, e.details]).toEqual([999, 'cannot convert: no valid IP addresses', '']);
    }
    expect(formatResult(l2, '0.3.1')).toContain('"sandbox": "/var/run/netns/x"');
  });

  it('unknown target versions are a plain (999) error', () => {
    const e = thrown(() => convertResult(full, '9.9.9'));
    expect([e.code, e.msg]).toEqual([999, 'no converter for CNI result version 1.1.0 to 9.9.9']);
  });
});

describe('1.x output layouts', () => {
  it('1.1.0 sorts keys at every level and omits an empty dns', () => {
    const { dns: _dns, ...noDNS } = full;
    expect(formatResult(noDNS, '1.1.0')).toBe(`{
    "cniVersion": "1.1.0",
    "interfaces": [
        {
            "mac": "0a:58:0a:0a:00:01",
            "mtu": 1500,
            "name": "cni0",
            "pciID": "0000:00:1f.6",
            "socketPath": "/run/vhost.sock"
        },
        {
            "mac": "0a:58:0a:0a:00:0a",
            "name": "eth0",
            "sandbox": "/var/run/netns/x"
        }
    ],
    "ips": [
        {
            "address": "10.10.0.10/24",
            "gateway": "10.10.0.1",
            "interface": 1
        },
        {
            "address": "10.11.0.10/24",
            "interface": 1
        },
        {
            "address": "fd00::10/64",
            "gateway": "fd00::1",
            "interface": 1
        }
    ],
    "routes": [
        {
            "advmss": 1360,
            "dst": "0.0.0.0/0",
            "gw": "10.10.0.1",
            "mtu": 1400,
            "priority": 10,
            "scope": 0,
            "table": 100
        },
        {
            "dst": "::/0",
            "gw": "fd00::1"
        }
    ]
}`);
  });

  it('1.1.0 prints a non-empty dns with sorted keys right after cniVersion', () => {
    const out = formatResult(hostLocal.dual!, '1.1.0');
    expect(out.startsWith(`{
    "cniVersion": "1.1.0",
    "dns": {
        "domain": "example.test",
        "nameservers": [
            "192.0.2.53",
            "2001:db8::53"
        ],
        "options": [
            "ndots:2",
            "edns0",
            "x\\u003c\\u0026\\u003ey"
        ],
        "search": [`)).toBe(true);
    expect(out.endsWith('\n}')).toBe(true);
  });

  it('1.0.0 keeps the libcni v1.0.1 layout unless sorted100 is asked for', () => {
    const single = hostLocal.single!;
    expect(formatResult(single, '1.0.0')).toBe(golden('host-local-single-1.0.0.json'));
    const modern = formatResult(single, '1.0.0', { sorted100: true });
    expect(modern).toBe(formatResult(single, '1.1.0').replace('"1.1.0"', '"1.0.0"'));
    expect(modern).not.toContain('"dns"');
    expect(formatResult(full, '1.0.0')).toMatch(/"name": "cni0",\n\s+"mac"[^]*"interface": 1,\n\s+"address"/);
  });

  it('0.4 output drops interface mtu/socketPath/pciID but keeps route extras', () => {
    const out = formatResult(full, '0.4.0');
    expect(out).not.toMatch(/mtu": 1500|socketPath|pciID/);
    expect(out).toContain('"version": "4",\n            "interface": 1,\n            "address": "10.10.0.10/24"');
    expect(out).toContain('"advmss": 1360');
  });
});

describe('parseResult', () => {
  it('up-converts a 0.2.0 result', () => {
    const r = parseResultVersioned(
      { cniVersion: '0.2.0', ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0' }] }, dns: {} },
      '1.0.0',
    );
    expect(r).toEqual({
      version: '0.2.0',
      result: { cniVersion: '1.1.0', ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1' }], routes: [{ dst: '0.0.0.0/0' }] },
    });
  });

  it('up-converts a 0.4.0 result, dropping version and keeping interface indexes', () => {
    const text = JSON.stringify({ ...full040, ips: [{ version: '6', interface: 1, address: 'FD00:0:0:0::10/64' }] });
    expect(parseResult(text, '')).toEqual({
      cniVersion: '1.1.0',
      interfaces: full040.interfaces,
      ips: [{ interface: 1, address: 'fd00::10/64' }],
      routes: full.routes,
      dns: full.dns,
    });
  });

  it('parses a 1.0.0 result with Go key matching (case-insensitive, null = absent)', () => {
    const r = parseResultVersioned(
      { cniVersion: '1.0.0', Interfaces: [{ NAME: 'eth0', mtu: 9000, pciid: 'x' }], IPs: [{ address: '10.0.0.2/8', gateway: '' }], dns: null },
      '0.4.0',
    );
    expect(r.version).toBe('1.0.0');
    expect(r.result).toEqual({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mtu: 9000, pciID: 'x' }], ips: [{ address: '10.0.0.2/8' }] });
  });

  it('a missing or empty cniVersion means the fallback version', () => {
    expect(parseResultVersioned({ ip4: { ip: '10.0.0.2/8' } }, '0.2.0')).toEqual({
      version: '0.2.0',
      result: { cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/8' }] },
    });
    const r = parseResultVersioned({ cniVersion: '', ips: [{ version: '4', address: '10.0.0.2/8' }] }, '0.3.1');
    expect(r.version).toBe('0.3.1');
    // no fallback either: 0.1.0, whose family has no "ips"
    expect(parseResultVersioned({ ips: [{ address: '10.0.0.2/8' }] }, '')).toEqual({ version: '0.1.0', result: { cniVersion: '1.1.0' } });
  });

  it.each([
    [{ cniVersion: '1.0.0', ips: [{ address: '10.0.0.300/8' }] }, 'decoding result: ips[0].address: invalid CIDR address: 10.0.0.300/8'],
    [{ cniVersion: '1.0.0', ips: [{ gateway: '10.0.0.1' }] }, 'decoding result: ips[0].address: missing address'],
    [{ cniVersion: '1.0.0', ips: [{ address: 5 }] }, 'decoding result: ips[0].address: expected string, got number'],
    [{ cniVersion: '1.0.0', routes: [{ dst: '::/0', gw: 'nope' }] }, 'decoding result: routes[0].gw: invalid IP address: nope'],
    [{ cniVersion: '1.0.0', interfaces: [{ name: 'a', mtu: 1.5 }] }, 'decoding result: interfaces[0].mtu: expected integer, got number 1.5'],
    [{ cniVersion: '1.0.0', ips: {} }, 'decoding result: ips: expected array, got object'],
    [{ cniVersion: '0.2.0', ip4: { ip: '10.0.0.1' } }, 'decoding result: ip4.ip: invalid CIDR address: 10.0.0.1'],
    [{ cniVersion: '0.4.0', dns: { nameservers: [1] } }, 'decoding result: dns.nameservers[0]: expected string, got number'],
    [{ cniVersion: '9.9.9' }, 'unsupported CNI result version "9.9.9"'],
    [[], 'decoding result: result: expected object, got array'],
  ])('rejects garbage %j', (input, msg) => {
    const e = thrown(() => parseResult(input, '1.0.0'));
    expect([e.code, e.msg]).toEqual([6, msg]);
  });

  it('rejects text that is not JSON', () => {
    const e = thrown(() => parseResult(Buffer.from('{'), '1.0.0'));
    expect(e.code).toBe(6);
    expect(e.msg).toMatch(/^decoding result: \S/);
  });
});

describe('versions', () => {
  it('maps versions to families', () => {
    expect(allVersions.map((v) => versionFamily(v))).toEqual(['v020', 'v020', 'v040', 'v040', 'v040', 'v100', 'v100']);
    expect(versionFamily('')).toBe('v020');
    expect(versionFamily('1.2.0')).toBeUndefined();
  });

  it('compares numerically like version.GreaterThanOrEqualTo', () => {
    expect(compareVersions('0.10.0', '0.4.0')).toBe(1);
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
    expect(compareVersions('', '0.1.0')).toBe(0);
    expect(compareVersions('0.3.1', '0.4.0')).toBe(-1);
    expect(versionGreaterOrEqual('1.1.0', '1.1.0')).toBe(true);
    expect(versionGreaterOrEqual('0.3.1', '0.4.0')).toBe(false);
  });

  it.each([
    ['1.2.3.4', 'invalid version "1.2.3.4": too many parts'],
    ['x.1.0', 'failed to convert major version part "x": strconv.Atoi: parsing "x": invalid syntax'],
    ['1..0', 'failed to convert minor version part "": strconv.Atoi: parsing "": invalid syntax'],
    ['1.0.99999999999999999999', 'failed to convert micro version part "99999999999999999999": strconv.Atoi: parsing "99999999999999999999": value out of range'],
  ])('rejects %s with libcni text', (v, msg) => {
    const e = thrown(() => versionGreaterOrEqual(v, '0.4.0'));
    expect([e.code, e.msg]).toEqual([6, msg]);
  });
});

describe('Go JSON strings', () => {
  it('escapes like encoding/json', () => {
    expect(goMarshal(['<a&b>', 'q"\\', '\n\r\t\b\f\u0001\u001f\u007f', '\u2028\u2029é', '\ud800'])).toBe(
      '["\\u003ca\\u0026b\\u003e","q\\"\\\\","\\n\\r\\t\\b\\f\\u0001\\u001f\u007f","\\u2028\\u2029é","\\ufffd"]',
    );
  });
});

describe('Go IP printing in results', () => {
  it.each([
    ['2001:DB8:0:0:1:0:0:1/64', '2001:db8::1:0:0:1/64'], // first of two equal zero runs
    ['2001:db8:0:1:1:1:1:1/64', '2001:db8:0:1:1:1:1:1/64'], // a single zero group is not compressed
    ['0:0:0:0:0:0:0:0/0', '::/0'],
    ['::ffff:192.0.2.1/128', '192.0.2.1/32'],
    ['fe80::0001/010', 'fe80::1/10'],
  ])('canonicalises %s', (input, out) => {
    expect(parseResult({ cniVersion: '1.0.0', ips: [{ address: input }] }, '').ips).toEqual([{ address: out }]);
  });

  it.each(['010.0.0.1/8', '10.0.0.1/33', '1::2::3/64', '1:2:3:4:5:6:7:8::/64', 'fe80::1%eth0/64', '10.0.0.1/', '::1.2.3.4:5/64'])(
    'rejects %s like net.ParseCIDR',
    (input) => {
      expect(thrown(() => parseResult({ cniVersion: '1.0.0', ips: [{ address: input }] }, '')).msg).toBe(
        `decoding result: ips[0].address: invalid CIDR address: ${input}`,
      );
    },
  );
});

describe('formatResult of a 1.x result already labelled with an older version (libcni Convert shortcut)', () => {
  it.each(['0.2.0', '0.3.1', '0.4.0'])('%s: printed in the 1.x shape, unconverted', (v) => {
    const r = { cniVersion: v, interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: '/x' }], ips: [{ interface: 0, address: '127.0.0.1/8' }] };
    expect(JSON.parse(formatResult(r, v))).toEqual({ ...r, dns: {} });
  });
  it('a 1.1.0-labelled result is still converted to 0.3.1', () => {
    const r = { cniVersion: '1.1.0', ips: [{ address: '127.0.0.1/8' }] };
    expect(JSON.parse(formatResult(r, '0.3.1')).ips[0].version).toBe('4');
  });
});
