// portmap chained after bridge, as a runtime runs the list [bridge(+host-local), portmap] with
// the portMappings capability: the reference's iptables objects appear with ADD (CNI-DN-<hash>
// holding a DNAT to the container, CNI-HOSTPORT-DNAT jumping to it), prevResult comes back as
// the result, CHECK passes on an IPv4-only container, DEL (also without prevResult) leaves
// nothing that names the container, and a bad protocol is refused with code 7, leaving nothing.
import { createHash } from 'node:crypto';
import type { Case, T } from '../harness';
import { masqRules, nsExec, type Json } from '../kernel';
import { PluginError, type Attachment, type NetList } from '../runtime';
import { attach, bridgeConf, netList } from './subjects';

const NET = 'cfportmap';
const needs = ['bridge', 'host-local', 'portmap'] as const;
const maps = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp' }];

function setup(t: T, portMappings: Json[] = maps): { list: NetList; a: Attachment } {
  const list = netList(NET, [bridgeConf(t), { type: 'portmap', capabilities: { portMappings: true } }]);
  const { a } = attach(t, 'c');
  return { list, a: { ...a, capabilityArgs: { portMappings } } };
}

/** nat rules of both families that belong to the container: every rule naming it or its chain CNI-DN-<sha512(net+id)> */
function natOf(t: T, containerID: string): string[] {
  const chain = `CNI-DN-${createHash('sha512').update(NET + containerID).digest('hex').slice(0, 21)}`;
  const lines = ['iptables-save', 'ip6tables-save'].flatMap((c) => nsExec(t.host, c, '-t', 'nat').stdout.split('\n'));
  return [...masqRules(t.host, containerID), ...lines.filter((l) => l.includes(chain) && !l.includes(`id: \\"${containerID}\\"`))];
}

const cases0: { id: string; run: (t: T) => Promise<void> }[] = [
  {
    id: 'add-del-iptables-objects',
    async run(t) {
      const rt = t.runtime();
      const { list, a } = setup(t);
      const r = await rt.add(list, a);
      const bridgeOut = rt.log.find((e) => e.plugin === 'bridge' && e.command === 'ADD')?.json as Json;
      t.eq(r, bridgeOut, 'the result of the list (portmap passes prevResult through)');
      const ip = String(r.ips?.[0]?.address ?? '').split('/')[0];
      const rules = natOf(t, a.containerID);
      t.ok(rules.some((l) => l.includes(`--dport 8080 -j DNAT --to-destination ${ip}:80`)), `no DNAT 8080 -> ${ip}:80: ${rules.join(' | ') || 'none'}`);
      t.ok(rules.some((l) => l.includes('-p udp') && l.includes('--dports 5353')), 'no CNI-HOSTPORT-DNAT jump for udp 5353');
      await rt.del(list, a);
      t.eq(natOf(t, a.containerID), [], 'nat rules of the container after DEL');
    },
  },
  {
    id: 'check-ipv4-only',
    async run(t) {
      const rt = t.runtime();
      const { list, a } = setup(t);
      await rt.add(list, a);
      await rt.check(list, a);
      await rt.del(list, a);
    },
  },
  {
    id: 'del-without-prevresult',
    async run(t) {
      const rt = t.runtime();
      const { list, a } = setup(t);
      await rt.add(list, a);
      const conf = { cniVersion: '1.0.0', name: NET, type: 'portmap', runtimeConfig: { portMappings: maps } };
      for (let i = 0; i < 2; i++) {
        const e = await rt.exec('portmap', rt.env('DEL', a), JSON.stringify(conf));
        t.eq([e.code, e.stdout.trim()], [0, ''], `portmap DEL #${i + 1} without prevResult`);
      }
      t.eq(natOf(t, a.containerID), [], 'nat rules of the container after DEL without prevResult');
      await rt.del(list, a);
    },
  },
  {
    id: 'bad-protocol-code-7',
    async run(t) {
      const rt = t.runtime();
      const { list, a } = setup(t, [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 8081, containerPort: 81, protocol: 'icmp' }]);
      const err = await rt.add(list, a).then(() => undefined, (e: unknown) => e);
      if (!(err instanceof PluginError)) return t.fail(err ? String(err) : 'ADD succeeded with protocol icmp');
      t.cniError(err.exec, 7, 'portmap ADD with protocol icmp');
      t.eq(natOf(t, a.containerID), [], 'nat rules of the container after the refused ADD');
      await rt.del(list, a).catch(() => undefined);
    },
  },
];

export const cases: Case[] = cases0.map((c) => ({ id: `portmap/${c.id}`, needs, run: c.run }));
