// portmap chained after bridge, through the built executable, in scratch namespaces: HTTP to a
// busybox httpd in a container through the published port from the host netns, from another
// container (hairpin) and via 127.0.0.1 (route_localnet); both backends, dual stack; CHECK
// strict, also for IPv4-only containers; DEL (without prevResult too) leaves the table as it
// was; bad input is refused with code 7 and leaves nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, freshCtr, httpGet, type Mapping, natTables, Node, nftRuleset } from './portmap-helpers';
import { canNetns, cleanupNetns, nsExec, pluginDir, sysctl } from './netns';

let node: Node | undefined;
afterEach(() => {
  node?.close();
  node = undefined;
  cleanupNetns();
});

const web: Mapping[] = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }];
const state = (n: Node): string => `${natTables(n.host)}\n${nftRuleset(n.host)}`;

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'portmap')))('portmap after bridge', () => {
  it.each(['iptables', 'nftables'] as const)('%s: HTTP through the published port from the host, another container and 127.0.0.1; IPv6 too', async (backend: Backend) => {
    node = new Node('10.154.1', 'fd00:154:1');
    const [c1, c2] = [freshCtr(), freshCtr()];
    const pm = node.portmapConf(web, { backend });
    const { bridge, portmap } = await node.add(c1, pm);
    expect(portmap.code, portmap.stdout).toBe(0);
    expect(portmap.json).toEqual(bridge); // prevResult passed through
    const second = await node.add(c2, node.portmapConf([]));
    expect(second.portmap.code).toBe(0);
    node.serve(c1, 'hello from c1');
    expect(httpGet(node.host, '10.154.1.1', 8080)).toBe('hello from c1');
    expect(httpGet(node.host, 'fd00:154:1::1', 8080)).toBe('hello from c1');
    expect(httpGet(c2, '10.154.1.1', 8080)).toBe('hello from c1'); // hairpin through the bridge
    expect(sysctl(node.host, `net/ipv4/conf/${'cnitspm0'}/route_localnet`)).toBe('1');
    expect(httpGet(node.host, '127.0.0.1', 8080)).toBe('hello from c1');
    const chk = await node.cni('portmap', 'CHECK', c1, { ...pm, prevResult: bridge });
    expect([chk.code, chk.stdout]).toEqual([0, '']);
    const del = await node.del(c1, pm, bridge);
    expect([del.code, del.stdout]).toEqual([0, '']);
    expect(httpGet(node.host, '10.154.1.1', 8080)).toBeUndefined();
  });

  it.each(['iptables', 'nftables'] as const)('%s, IPv4 only: CHECK passes, fails once a rule is gone; DEL twice, without prevResult, restores the table', async (backend: Backend) => {
    node = new Node('10.154.2');
    const [first, ctr] = [freshCtr(), freshCtr()];
    const mappings: Mapping[] = [...web, { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '10.154.2.1' }, { hostPort: 9000, containerPort: 9000, protocol: 'sctp' }];
    const pm = node.portmapConf(mappings, { backend });
    // the shared objects stay after a DEL (as with the reference): the baseline is after one ADD+DEL
    const warm = await node.add(first, pm);
    expect(warm.portmap.code, warm.portmap.stdout).toBe(0);
    expect((await node.del(first, pm, warm.bridge)).code).toBe(0);
    const before = state(node);
    const { bridge, portmap } = await node.add(ctr, pm);
    expect(portmap.code, portmap.stdout).toBe(0);
    expect(state(node)).not.toBe(before);
    expect(state(node)).toContain(ctr.name);
    const check = () => node!.cni('portmap', 'CHECK', ctr, { ...pm, prevResult: bridge });
    expect((await check()).code).toBe(0);
    if (backend === 'iptables') {
      const dnat = natTables(node.host).split('\n').find((l) => l.startsWith('-A CNI-DN-') && l.includes('--dport 5353 -j DNAT'));
      expect(dnat).toBeDefined();
      expect(nsExec(node.host, 'iptables', '-t', 'nat', ...dnat!.replace(/^-A/, '-D').split(' ')).code).toBe(0);
    } else {
      const handle = /udp dport 5353 dnat to .* # handle (\d+)/.exec(nsExec(node.host, 'nft', '-a', 'list', 'chain', 'ip', 'cni_hostport', 'hostports').stdout)?.[1];
      expect(handle).toBeDefined();
      expect(nsExec(node.host, 'nft', 'delete', 'rule', 'ip', 'cni_hostport', 'hostports', 'handle', handle!).code).toBe(0);
    }
    const failed = await check();
    expect(failed.code).toBe(1);
    expect(failed.json.msg).toMatch(/5353/);
    for (let i = 0; i < 2; i++) {
      const del = await node.cni('portmap', 'DEL', ctr, pm); // no prevResult: found by name / comment
      expect([del.code, del.stdout, i]).toEqual([0, '', i]);
    }
    await node.cni('bridge', 'DEL', ctr, node.bridgeConf());
    expect(state(node)).toBe(before);
  });

  it('UDP: conntrack entries to a host port tracked before ADD are deleted by it', async () => {
    node = new Node('10.154.4');
    const [tcp, client, udp] = [freshCtr(), freshCtr(), freshCtr()];
    const conntrack = () => nsExec(node!.host, 'cat', '/proc/net/nf_conntrack').stdout.split('\n').filter((l) => / udp .*dport=5353 /.test(l));
    expect((await node.add(tcp, node.portmapConf(web))).portmap.code).toBe(0); // the nat hooks: conntrack now tracks
    expect((await node.add(client, node.portmapConf([]))).portmap.code).toBe(0);
    nsExec(client, 'bash', '-c', 'echo x > /dev/udp/10.154.4.1/5353'); // busybox nc has no UDP
    expect(conntrack().length).toBeGreaterThan(0);
    const r = await node.add(udp, node.portmapConf([{ hostPort: 5353, containerPort: 53, protocol: 'udp' }]));
    expect(r.portmap.code, r.portmap.stdout).toBe(0);
    expect(conntrack()).toEqual([]);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['unknown protocol', { mappings: [{ hostPort: 80, containerPort: 80, protocol: 'icmp' }] }, 'runtimeConfig.portMappings[0].protocol'],
    ['host port 0', { mappings: [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }] }, 'runtimeConfig.portMappings[0].hostPort'],
    ['container port 65536', { mappings: [...web, { hostPort: 81, containerPort: 65536, protocol: 'tcp' }] }, 'runtimeConfig.portMappings[1].containerPort'],
    ['hostIP not an IP', { mappings: [{ hostPort: 80, containerPort: 80, protocol: 'tcp', hostIP: 'localhost' }] }, 'runtimeConfig.portMappings[0].hostIP'],
    ['hostIP of a family the container lacks', { mappings: [{ hostPort: 80, containerPort: 80, protocol: 'tcp', hostIP: 'fd00::1' }] }, 'runtimeConfig.portMappings[0].hostIP'],
    ['markMasqBit 32', { extra: { markMasqBit: 32 } }, 'markMasqBit'],
    ['markMasqBit with externalSetMarkChain', { extra: { markMasqBit: 3, externalSetMarkChain: 'KUBE-MARK-MASQ' } }, 'externalSetMarkChain'],
    ['unknown backend', { extra: { backend: 'bpf' } }, 'backend'],
    ['nftables conditions with the iptables backend', { extra: { backend: 'iptables', conditionsV4: ['ip saddr 10.0.0.0/8'] } }, 'conditionsV4'],
    ['externalSetMarkChain with nftables', { extra: { backend: 'nftables', externalSetMarkChain: 'X' } }, 'externalSetMarkChain'],
  ];
  it.each(bad)('%s: code 7 naming the field, nothing left behind', async (_name, input, field) => {
    node = new Node('10.154.3');
    const ctr = freshCtr();
    const before = state(node);
    const pm = node.portmapConf((input['mappings'] as Mapping[] | undefined) ?? web, input['extra'] as Record<string, unknown> | undefined);
    const { bridge, portmap } = await node.add(ctr, pm);
    expect(portmap.code).toBe(1);
    expect(portmap.json.code).toBe(7);
    expect(portmap.json.details).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `));
    expect(state(node)).toBe(before);
    await node.del(ctr, pm, bridge);
  });
});
