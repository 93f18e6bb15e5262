// loopback as a runtime sees it: lo up after ADD with the reference's result, CHECK, lo down
// after DEL, and a DEL that succeeds when the container netns is already gone.
import type { Case, T } from '../harness';
import { link, type Json } from '../kernel';
import { attach, netList } from './subjects';

const needs = ['loopback'] as const;
const up = (l: Json): boolean => ((l?.flags ?? []) as string[]).includes('UP');

const cases0: { id: string; run: (t: T) => Promise<void> }[] = [
  {
    id: 'lo-up-check-down',
    async run(t) {
      const rt = t.runtime();
      const list = netList('cfloop', [{ type: 'loopback' }]);
      const { ctr, a } = attach(t, 'c');
      const r = await rt.add(list, a);
      t.ok(up(link(ctr, 'lo')), 'lo is not up after ADD');
      t.eq((r.interfaces as Json[]).map((i) => [i.name, i.mac, i.sandbox]), [['lo', '00:00:00:00:00:00', a.netns]], 'result interfaces');
      t.eq((r.ips as Json[]).map((i) => i.address), ['127.0.0.1/8', '::1/128'], 'result addresses');
      await rt.check(list, a);
      await rt.del(list, a);
      t.ok(!up(link(ctr, 'lo')), 'lo is still up after DEL');
    },
  },
  {
    id: 'del-netns-gone',
    async run(t) {
      const rt = t.runtime();
      const list = netList('cfloop', [{ type: 'loopback' }]);
      const { ctr, a } = attach(t, 'c');
      await rt.add(list, a);
      t.scratch.remove(ctr);
      await rt.del(list, a);
    },
  },
];

export const cases: Case[] = cases0.map((c) => ({ id: `loopback/${c.id}`, needs, run: c.run }));
