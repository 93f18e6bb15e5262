// firewall chained after bridge (iptables backend): the container's CNI-FORWARD rules come and
// go with the attachment, and ingressPolicy same-bridge keeps another bridge's container out.
import type { Case, T } from '../harness';
import { nsMust, ping, type Json } from '../kernel';
import type { PluginConf } from '../runtime';
import { attach, bridgeConf, netList } from './subjects';

const needs = ['bridge', 'host-local', 'firewall'] as const;
const ipOf = (r: Json): string => String(r.ips?.[0]?.address ?? '').split('/')[0] ?? '';
const forwardRules = (t: T, ip: string): string[] => nsMust(t.host, 'iptables-save', '-t', 'filter').split('\n').filter((l) => l.startsWith('-A CNI-FORWARD') && l.includes(`${ip}/32`));
/** a second bridge network on its own subnet */
const otherBridge = (t: T): PluginConf => ({ type: 'bridge', bridge: 'cnitscf1', isGateway: true, ipam: { type: 'host-local', dataDir: t.path('ipam'), ranges: [[{ subnet: '10.78.0.0/24' }]] } });

const cases0: { id: string; run: (t: T) => Promise<void> }[] = [
  {
    id: 'iptables-add-check-del',
    async run(t) {
      const rt = t.runtime();
      const list = netList('cffw', [bridgeConf(t), { type: 'firewall', backend: 'iptables' }]);
      const { a } = attach(t, 'c');
      const r = await rt.add(list, a);
      t.eq(forwardRules(t, ipOf(r)).length, 2, `CNI-FORWARD rules for ${ipOf(r)}`);
      await rt.check(list, a);
      await rt.del(list, a);
      t.eq(forwardRules(t, ipOf(r)), [], 'CNI-FORWARD rules after DEL');
    },
  },
  {
    id: 'same-bridge-isolation',
    async run(t) {
      const rt = t.runtime();
      const fw = { type: 'firewall', backend: 'iptables', ingressPolicy: 'same-bridge' };
      const one = attach(t, 'c1');
      const two = attach(t, 'c2');
      const r1 = await rt.add(netList('cffw', [{ ...bridgeConf(t), isDefaultGateway: true }, fw]), one.a);
      const r2 = await rt.add(netList('cffw2', [{ ...otherBridge(t), isDefaultGateway: true }, fw]), two.a);
      t.ok(!ping(two.ctr, ipOf(r1), 1), `a container on another bridge reaches ${ipOf(r1)}`);
      t.ok(!ping(one.ctr, ipOf(r2), 1), `a container on another bridge reaches ${ipOf(r2)}`);
    },
  },
];

export const cases: Case[] = cases0.map((c) => ({ id: `firewall/${c.id}`, needs, run: c.run }));
