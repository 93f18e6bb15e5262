// tuning chained after bridge: the interface and sysctls changed in the container, CHECK,
// DEL (in reverse) restoring the originals, and a non-net sysctl refused with code 7.
import type { Case, T } from '../harness';
import { link, nsMust, type Json } from '../kernel';
import { PluginError } from '../runtime';
import { attach, bridgeConf, netList } from './subjects';

const needs = ['bridge', 'host-local', 'tuning'] as const;
const tuning = (t: T, extra: object) => ({ type: 'tuning', dataDir: t.path('tuning'), ...extra });
const view = (l: Json) => ({ mac: l.address, mtu: l.mtu, promisc: ((l.flags ?? []) as string[]).includes('PROMISC') });
const somaxconn = (ns: Parameters<typeof nsMust>[0]): string => nsMust(ns, 'cat', '/proc/sys/net/core/somaxconn').trim();

const cases0: { id: string; run: (t: T) => Promise<void> }[] = [
  {
    id: 'chained-apply-restore',
    async run(t) {
      const rt = t.runtime();
      const list = netList('cftun', [bridgeConf(t), tuning(t, { mac: '02:00:00:00:0a:01', mtu: 1400, promisc: true, sysctl: { 'net.core.somaxconn': '333' } })]);
      const { ctr, a } = attach(t, 'c');
      const before = somaxconn(ctr);
      const r = await rt.add(list, a);
      t.eq(view(link(ctr, a.ifName)), { mac: '02:00:00:00:0a:01', mtu: 1400, promisc: true }, 'container interface after ADD');
      t.eq(somaxconn(ctr), '333', 'net.core.somaxconn after ADD');
      t.eq((r.interfaces as Json[]).find((i) => i.name === a.ifName)?.mac, '02:00:00:00:0a:01', 'MAC in the result');
      await rt.check(list, a);
      // tuning's own DEL (libcni runs it first, the interface still there) brings the originals back
      const del = await rt.exec('tuning', rt.env('DEL', a), JSON.stringify({ ...list.plugins[1], name: list.name, cniVersion: r.cniVersion, prevResult: r }));
      t.success(del, 'tuning DEL', true);
      const after = view(link(ctr, a.ifName));
      t.eq([after.mtu, after.promisc], [1500, false], 'mtu and promisc after tuning DEL');
      t.eq(somaxconn(ctr), before, 'net.core.somaxconn after tuning DEL');
      await rt.del(list, a);
    },
  },
  {
    id: 'non-net-sysctl-code-7',
    async run(t) {
      const rt = t.runtime();
      const list = netList('cftun', [bridgeConf(t), tuning(t, { sysctl: { 'kernel.hostname': 'x' } })]);
      const { a } = attach(t, 'c');
      const err = await rt.add(list, a).then(() => undefined, (e: unknown) => e);
      if (!(err instanceof PluginError)) return t.fail('ADD with sysctl kernel.hostname succeeded');
      t.cniError(err.exec, 7, 'tuning ADD with a non-net sysctl');
    },
  },
];

export const cases: Case[] = cases0.map((c) => ({ id: `tuning/${c.id}`, needs, run: c.run }));
