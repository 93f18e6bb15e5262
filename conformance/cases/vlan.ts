// macvlan and ipvlan end to end: two containers on one parent (a veth pair in the scratch host
// netns) reach each other. ipvlan needs a kernel with ipvlan, which this CI's lacks: those
// cases SKIP unless CNI_VM=1 (see subjects.ts).
import type { Case, T } from '../harness';
import { link, ping, type Json } from '../kernel';
import { attach, setUp, subjects, type Subject } from './subjects';

const ipOf = (r: Json): string => String(r.ips?.[0]?.address ?? '').split('/')[0] ?? '';

function pingCase(s: Subject, mode: string): Case {
  return {
    id: `${s.name}/${mode}-mode-two-containers-ping`,
    needs: s.needs,
    async run(t: T) {
      setUp(t, s);
      const rt = t.runtime();
      const list = s.list(t);
      const one = attach(t, 'c1');
      const two = attach(t, 'c2');
      const r1 = await rt.add(list, one.a);
      const r2 = await rt.add(list, two.a);
      for (const [x, r] of [[one, r1], [two, r2]] as const) {
        s.present(t, list, x.a, x.ctr, r);
        const l = link(x.ctr, x.a.ifName);
        t.eq(l?.linkinfo?.info_data?.mode, mode, `${s.name} mode of ${x.ctr.name}`);
      }
      t.ok(ping(one.ctr, ipOf(r2)), `c1 cannot ping c2 (${ipOf(r2)})`);
      t.ok(ping(two.ctr, ipOf(r1)), `c2 cannot ping c1 (${ipOf(r1)})`);
      await rt.del(list, one.a);
      await rt.del(list, two.a);
      s.absent(t, list, one.a, one.ctr);
      s.absent(t, list, two.a, two.ctr);
    },
  };
}

const modes: Record<string, string> = { macvlan: 'bridge', ipvlan: 'l2' };
export const cases: Case[] = subjects.filter((s) => s.name in modes).map((s) => pingCase(s, modes[s.name]!));
