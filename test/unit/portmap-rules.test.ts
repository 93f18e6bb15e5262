// portmap's pure parts: config loading (defaults, backend choice, code 7 naming the field, the
// container address pick) and the iptables rules, as iptables-restore lines, table-driven
// against what the reference's fillDnatRules / genSetMarkChain produce.
import { describe, expect, it } from 'vitest';
import type { CmdArgs, NetConf } from '../../lib/cni/plugin';
import { formatCIDR } from '../../lib/ip';
import { ruleLine } from '../../lib/masq/xtsave';
import { loadConfig } from '../../plugins/portmap/config';
import { expectedSummaries, forwardScript } from '../../plugins/portmap/nftables';
import { chainRules, entryRules, markDef, sharedRules } from '../../plugins/portmap/rules';
import { errorOf } from './error-of';

const prev = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'cni0' }, { name: 'eth0', sandbox: '/var/run/netns/x' }, { name: 'net1', sandbox: '/var/run/netns/x' }],
  ips: [{ interface: 2, address: '10.9.9.9/24' }, { interface: 1, address: '10.1.2.3/24' }, { interface: 1, address: 'fd00::3/64' }, { interface: 1, address: '10.1.2.4/24' }],
};
const web = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }];

function cmd(conf: Record<string, unknown>, mappings: unknown[] = web): CmdArgs {
  const full = { cniVersion: '1.0.0', name: 'net', type: 'portmap', prevResult: prev, runtimeConfig: { portMappings: mappings }, ...conf } as NetConf;
  return { command: 'ADD', containerID: 'cid', netns: '/var/run/netns/x', ifName: 'eth0', args: '', path: [], stdin: Buffer.from(JSON.stringify(full)), conf: full, env: {}, stderr: () => undefined };
}
const lines = (conf: Record<string, unknown>, mappings: unknown[] = web, family: 4 | 6 = 4): string[] => {
  const c = loadConfig(cmd(conf, mappings));
  const addr = c.addrs[family];
  if (!addr) throw new Error('no address');
  return [...chainRules(c, family, 'CNI-DN-x', addr), ...entryRules(c, family, 'CNI-DN-x')].map((r) => ruleLine('-A', r));
};
const entry = (ports: string, proto = 'tcp', extra = '') =>
  `-A CNI-HOSTPORT-DNAT -m comment --comment "dnat name: \\"net\\" id: \\"cid\\"" -m multiport -p ${proto} --destination-ports ${ports}${extra} -j CNI-DN-x`;

describe('portmap config', () => {
  it('defaults, and the first address of each family on CNI_IFNAME', () => {
    const c = loadConfig(cmd({}));
    expect([c.backend, c.snat, c.markMasqBit, c.masqAll, c.externalSetMarkChain]).toEqual(['iptables', true, 13, false, undefined]);
    expect([c.addrs[4] && formatCIDR(c.addrs[4]), c.addrs[6] && formatCIDR(c.addrs[6])]).toEqual(['10.1.2.3/24', 'fd00::3/64']);
  });
  it.each([
    [{ conditionsV4: ['ip saddr 10.0.0.0/8'] }, 'nftables'],
    [{ conditionsV6: ['-s', 'fd00::/8'] }, 'iptables'],
    [{ externalSetMarkChain: 'KUBE-MARK-MASQ' }, 'iptables'],
    [{ backend: 'nftables' }, 'nftables'],
  ])('backend from %j: %s', (conf, backend) => {
    expect(loadConfig(cmd(conf)).backend).toBe(backend);
  });
  it.each([
    [{}, [{ hostPort: 1, containerPort: 1, protocol: 'ICMP' }], 'runtimeConfig.portMappings[0].protocol'],
    [{}, [{ hostPort: 65536, containerPort: 1, protocol: 'tcp' }], 'runtimeConfig.portMappings[0].hostPort'],
    [{}, [{ hostPort: 1, containerPort: -1, protocol: 'tcp' }], 'runtimeConfig.portMappings[0].containerPort'],
    [{}, [{ hostPort: 1, containerPort: 1, protocol: 'tcp', hostIP: '10.1.2' }], 'runtimeConfig.portMappings[0].hostIP'],
    [{ markMasqBit: -1 }, web, 'markMasqBit'],
    [{ snat: 'yes' }, web, 'snat'],
    [{ conditionsV4: ['-s', '1.2.3.4'], conditionsV6: ['ip6 saddr ::1'] }, web, 'conditionsV6'],
  ])('%j %j: code 7 naming %s', (conf, mappings, field) => {
    const e = errorOf(() => loadConfig(cmd(conf, mappings)));
    expect(e.code).toBe(7);
    expect(e.details.startsWith(`${field}: `) || e.details.startsWith(`${field} must be`)).toBe(true);
  });
  it('DEL checks types only', () => {
    const c = loadConfig(cmd({}, [{ hostPort: 0, containerPort: 0, protocol: 'icmp', hostIP: 'x' }]), false);
    expect(c.mappings[0]).toMatchObject({ hostPort: 0, protocol: 'icmp', hostIP: 'x' });
  });
});

describe('portmap iptables rules', () => {
  it.each<[string, Record<string, unknown>, unknown[], 4 | 6, string[]]>([
    ['defaults', {}, web, 4, [
      '-A CNI-DN-x -p tcp --dport 8080 -s 10.1.2.3/24 -j CNI-HOSTPORT-SETMARK',
      '-A CNI-DN-x -p tcp --dport 8080 -s 127.0.0.1 -j CNI-HOSTPORT-SETMARK',
      '-A CNI-DN-x -p tcp --dport 8080 -j DNAT --to-destination 10.1.2.3:80',
      entry('8080'),
    ]],
    ['IPv6, hostIP of the family, a mapping of the other family skipped', {}, [...web, { hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: 'fd00::1' }, { hostPort: 9, containerPort: 9, protocol: 'sctp', hostIP: '10.1.2.1' }], 6, [
      '-A CNI-DN-x -p tcp --dport 8080 -s fd00::3/64 -j CNI-HOSTPORT-SETMARK',
      '-A CNI-DN-x -p tcp --dport 8080 -j DNAT --to-destination [fd00::3]:80',
      '-A CNI-DN-x -p udp --dport 53 -d fd00::1 -s fd00::3/64 -j CNI-HOSTPORT-SETMARK',
      '-A CNI-DN-x -p udp --dport 53 -d fd00::1 -j DNAT --to-destination [fd00::3]:53',
      entry('9', 'sctp'), entry('8080'), entry('53', 'udp'),
    ]],
    ['snat off, unspecified hostIP, conditions', { snat: false, conditionsV4: ['-s', '192.0.2.0/24'] }, [{ ...web[0], hostIP: '0.0.0.0' }], 4, [
      '-A CNI-DN-x -p tcp --dport 8080 -j DNAT --to-destination 10.1.2.3:80',
      entry('8080', 'tcp', ' -s 192.0.2.0/24'),
    ]],
    ['masqAll, externalSetMarkChain', { masqAll: true, externalSetMarkChain: 'KUBE-MARK-MASQ' }, web, 4, [
      '-A CNI-DN-x -p tcp --dport 8080 -s 0.0.0.0/0 -j KUBE-MARK-MASQ',
      '-A CNI-DN-x -p tcp --dport 8080 -j DNAT --to-destination 10.1.2.3:80',
      entry('8080'),
    ]],
  ])('%s', (_name, conf, mappings, family, want) => {
    expect(lines(conf, mappings, family)).toEqual(want);
  });

  it('multiport takes 15 ports a rule', () => {
    const many = Array.from({ length: 16 }, (_, i) => ({ hostPort: 1000 + i, containerPort: 80, protocol: 'tcp' }));
    const c = loadConfig(cmd({}, many));
    expect(entryRules(c, 4, 'CNI-DN-x').map((r) => r.args[r.args.indexOf('--destination-ports') + 1])).toEqual([
      Array.from({ length: 15 }, (_, i) => 1000 + i).join(','), '1015']);
  });

  it.each([[0, '0x1/0x1'], [13, '0x2000/0x2000'], [31, '0x80000000/0x80000000']])('mark bit %i is %s', (bit, def) => {
    expect(markDef(bit)).toBe(def);
  });

  it('shared rules: SETMARK, MASQ (prepended to POSTROUTING), the LOCAL hooks; only the hooks without snat', () => {
    expect(sharedRules(loadConfig(cmd({}))).map((s) => `${s.prepend ? '-I' : '-A'} ${s.rule.chain} ${s.rule.args.at(-1)}`)).toEqual([
      '-A CNI-HOSTPORT-SETMARK 0x2000/0x2000', '-A CNI-HOSTPORT-MASQ MASQUERADE', '-I POSTROUTING CNI-HOSTPORT-MASQ',
      '-A PREROUTING CNI-HOSTPORT-DNAT', '-A OUTPUT CNI-HOSTPORT-DNAT']);
    expect(sharedRules(loadConfig(cmd({ snat: false }))).map((s) => s.rule.chain)).toEqual(['PREROUTING', 'OUTPUT']);
  });
});

describe('portmap nftables', () => {
  it('the transaction of one IPv4 address', () => {
    const c = loadConfig(cmd({ backend: 'nftables' }, [...web, { hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '10.1.2.1' }]));
    const script = forwardScript(c, 4, c.addrs[4]!);
    expect(script.filter((l) => l.startsWith('add rule'))).toEqual([
      'add rule ip cni_hostport hostports_all jump hostip_hostports',
      'add rule ip cni_hostport hostports_all jump hostports',
      'add rule ip cni_hostport prerouting fib daddr type local jump hostports_all',
      'add rule ip cni_hostport output fib daddr type local jump hostports_all',
      'add rule ip cni_hostport hostports tcp dport 8080 dnat to 10.1.2.3:80 comment "cid"',
      'add rule ip cni_hostport hostports ip daddr 10.1.2.1 udp dport 53 dnat to 10.1.2.3:53 comment "cid"',
      'add rule ip cni_hostport masquerading ip saddr 10.1.2.3 ip daddr 10.1.2.3 masquerade comment "cid"',
      'add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr 10.1.2.3 masquerade comment "cid"',
    ]);
    expect(expectedSummaries(c, 4, c.addrs[4]!).hostports).toEqual(['tcp dport 8080 dnat 10.1.2.3:80', 'ip daddr "10.1.2.1" udp dport 53 dnat 10.1.2.3:53']);
  });
});
