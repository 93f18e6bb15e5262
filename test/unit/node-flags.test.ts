// `cnits node` command lines parse as Go's flag package parses flanneld's.
import { describe, expect, it } from 'vitest';
import { type FlagDef, FlagError, parseGoBool, parseGoFlags, parseGoInt } from '../../lib/node/goflag';
import { parseNodeOptions } from '../../lib/node/options';

const defs: FlagDef[] = [
  { name: 's', kind: 'string', usage: '' },
  { name: 'b', kind: 'bool', usage: '' },
  { name: 'n', kind: 'int', usage: '' },
  { name: 'l', kind: 'list', usage: '' },
];

describe('parseGoFlags: the forms Go accepts', () => {
  const table: [string, string[], Record<string, unknown>, string[]][] = [
    ['-flag value', ['-s', 'x'], { s: 'x' }, []],
    ['--flag value', ['--s', 'x'], { s: 'x' }, []],
    ['-flag=value', ['-s=x'], { s: 'x' }, []],
    ['--flag=value', ['--s=x'], { s: 'x' }, []],
    ['empty value with =', ['-s='], { s: '' }, []],
    ['value that looks like a flag', ['-s', '-b'], { s: '-b' }, []],
    ['value containing =', ['-s=a=b'], { s: 'a=b' }, []],
    ['bare bool', ['-b'], { b: true }, []],
    ['bool=false', ['-b=false'], { b: false }, []],
    ['bool=0 / =T', ['-b=0', '--b=T'], { b: true }, []],
    ['bool does not take the next argument', ['-b', 'false'], { b: true }, ['false']],
    ['int decimal', ['-n', '60'], { n: 60 }, []],
    ['int hex', ['-n=0x10'], { n: 16 }, []],
    ['int negative', ['-n', '-5'], { n: -5 }, []],
    ['repeated list flag', ['-l', 'a', '--l=b'], { l: ['a', 'b'] }, []],
    ['last wins for a string', ['-s', 'a', '-s', 'b'], { s: 'b' }, []],
    ['stops at a non-flag', ['-s', 'a', 'rest', '-b'], { s: 'a' }, ['rest', '-b']],
    ['"--" ends the flags', ['-b', '--', '-s', 'x'], { b: true }, ['-s', 'x']],
    ['a lone "-" is an argument', ['-', '-b'], {}, ['-', '-b']],
  ];
  it.each(table)('%s', (_name, argv, want, rest) => {
    const r = parseGoFlags(defs, argv);
    expect(Object.fromEntries(r.values)).toEqual(want);
    expect(r.rest).toEqual(rest);
  });

  const errors: [string[], string][] = [
    [['-x'], 'flag provided but not defined: -x'],
    [['--x=1'], 'flag provided but not defined: -x'],
    [['-s'], 'flag needs an argument: -s'],
    [['-b=maybe'], 'invalid value "maybe" for flag -b: parse error'],
    [['-n', 'ten'], 'invalid value "ten" for flag -n: parse error'],
    [['---s'], 'bad flag syntax: ---s'],
    [['-=x'], 'bad flag syntax: -=x'],
  ];
  it.each(errors)('%j fails: %s', (argv, msg) => {
    expect(() => parseGoFlags(defs, argv)).toThrow(new FlagError(msg));
  });

  it('-h and -help ask for help when not defined', () => {
    for (const a of ['-h', '--help']) {
      try { parseGoFlags(defs, [a]); expect.unreachable(); } catch (e) { expect((e as FlagError).help).toBe(true); }
    }
  });

  it.each([['1', true], ['t', true], ['TRUE', true], ['True', true], ['0', false], ['F', false], ['False', false], ['yes', undefined], ['tRUE', undefined]] as const)(
    'strconv.ParseBool(%s)', (s, want) => { expect(parseGoBool(s)).toBe(want); });
  it.each([['0', 0], ['017', 15], ['0o17', 15], ['0b101', 5], ['1_000', 1000], ['+3', 3], ['08', undefined], ['1.5', undefined]] as const)(
    'strconv.ParseInt(%s, 0, 64)', (s, want) => { expect(parseGoInt(s)).toBe(want); });
});

describe('parseNodeOptions: flanneld etcd-mode flags and defaults', () => {
  it('defaults are flanneld\'s', () => {
    expect(parseNodeOptions([])).toMatchObject({
      etcdEndpoints: ['http://127.0.0.1:4001', 'http://127.0.0.1:2379'], etcdPrefix: '/coreos.com/network',
      subnetFile: '/run/flannel/subnet.env', subnetLeaseRenewMargin: 60, ipMasq: false, iptablesForwardRules: true, iface: [], cniConfDir: '',
    });
  });

  it('a flanneld command line', () => {
    const o = parseNodeOptions(['--etcd-endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379', '-etcd-prefix', '/x/network', '-etcd-cafile', '/ca.pem',
      '-etcd-certfile=/c.pem', '--etcd-keyfile', '/k.pem', '-iface', 'eth1', '-iface=10.0.0.9', '-public-ip', '10.0.0.9', '-ip-masq',
      '-subnet-file', '/tmp/s.env', '-subnet-lease-renew-margin=30', '-cni-conf-dir', '/etc/cni/net.d']);
    expect(o).toMatchObject({
      etcdEndpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'], etcdPrefix: '/x/network', etcdCAFile: '/ca.pem', etcdCertFile: '/c.pem',
      etcdKeyFile: '/k.pem', iface: ['eth1', '10.0.0.9'], publicIP: '10.0.0.9', ipMasq: true, subnetFile: '/tmp/s.env', subnetLeaseRenewMargin: 30,
      cniConfDir: '/etc/cni/net.d',
    });
  });

  it('Kubernetes mode: -kube-subnet-mgr, -kubeconfig-file, -net-config-path, NODE_NAME', () => {
    expect(parseNodeOptions(['-kube-subnet-mgr', '-net-config-path=/etc/cnits/net-conf.json'], { NODE_NAME: 'kind-worker' }))
      .toMatchObject({ kubeSubnetMgr: true, kubeconfigFile: '', netConfigPath: '/etc/cnits/net-conf.json', nodeName: 'kind-worker' });
    expect(parseNodeOptions([]).netConfigPath).toBe('/etc/kube-flannel/net-conf.json');
  });

  it('FLANNELD_* fill flags not given on the command line', () => {
    const o = parseNodeOptions(['-etcd-prefix', '/cli'], { FLANNELD_ETCD_PREFIX: '/env', FLANNELD_IP_MASQ: 'true', FLANNELD_ETCD_ENDPOINTS: 'http://e:2379' });
    expect(o).toMatchObject({ etcdPrefix: '/cli', ipMasq: true, etcdEndpoints: ['http://e:2379'] });
  });

  it.each([
    [['-subnet-lease-renew-margin', '0'], /out of acceptable range/],
    [['-subnet-lease-renew-margin', '1440'], /out of acceptable range/],
    [['extra'], /unexpected argument/],
    [['-etcd-endpoints', ','], /no endpoint/],
  ])('%j is refused', (argv, msg) => {
    expect(() => parseNodeOptions(argv)).toThrow(msg);
  });
});
