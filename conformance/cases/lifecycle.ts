// The attachment lifecycle rules of the spec, per subject, checked against the kernel and the
// lease files: DEL is idempotent and works without the netns, CHECK passes after ADD and fails
// after drift, a failed ADD leaves nothing, ADD refuses an interface name already in use.
import type { Case, T } from '../harness';
import { link, linkNames, nsMust } from '../kernel';
import { PluginError, type Attachment } from '../runtime';
import { attach, setUp, subjects, type Subject } from './subjects';

/** Polls `probe` (kernel teardown of a deleted netns finishes in a workqueue) for up to 5 s. */
export async function settle(probe: () => boolean): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return probe();
}

/** `p` must reject with a plugin error; returns it. */
export async function rejects(t: T, p: Promise<unknown>, what: string): Promise<PluginError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (err === undefined) t.fail(`${what} succeeded, want an error`);
  if (!(err instanceof PluginError)) throw err;
  t.cniError(err.exec, undefined, what);
  return err;
}

async function hostClean(t: T, s: Subject): Promise<void> {
  await settle(() => s.hostObjects(t).length === 0);
  t.eq(s.hostObjects(t), [], 'host-side links left');
}

function lifecycleCases(s: Subject): Case[] {
  const c = (rest: string, run: (t: T) => Promise<void>): Case => ({ id: `${s.name}/lifecycle/${rest}`, needs: s.needs, run: async (t) => { setUp(t, s); await run(t); } });
  /** DEL after the container netns is gone, given `netns` as CNI_NETNS */
  const delWithoutNetns = (netns: (a: Attachment) => string) => async (t: T): Promise<void> => {
    const rt = t.runtime();
    const list = s.list(t);
    const { ctr, a } = attach(t, 'c');
    await rt.add(list, a);
    t.scratch.remove(ctr);
    await rt.del(list, { ...a, netns: netns(a) });
    s.absent(t, list, a, undefined);
    await hostClean(t, s);
  };
  return [
    c('del-twice', async (t) => {
      const rt = t.runtime();
      const list = s.list(t);
      const { ctr, a } = attach(t, 'c');
      const result = await rt.add(list, a);
      s.present(t, list, a, ctr, result);
      await rt.del(list, a);
      s.absent(t, list, a, ctr);
      await rt.del(list, a);
      s.absent(t, list, a, ctr);
      await hostClean(t, s);
    }),
    c('del-empty-netns', delWithoutNetns(() => '')),
    c('del-missing-netns', delWithoutNetns((a) => a.netns)),
    c('check', async (t) => {
      const rt = t.runtime();
      const list = s.list(t);
      const { a } = attach(t, 'c');
      await rt.add(list, a);
      await rt.check(list, a);
      for (const e of rt.log.filter((x) => x.command === 'CHECK')) t.success(e, `CHECK of ${e.plugin}`, true);
      await rt.del(list, a);
    }),
    c('check-after-drift', async (t) => {
      const rt = t.runtime();
      const list = s.list(t);
      const { ctr, a } = attach(t, 'c');
      await rt.add(list, a);
      await rt.check(list, a);
      s.drift(t, list, a, ctr);
      await rejects(t, rt.check(list, a), 'CHECK after drift');
      await rt.del(list, a);
    }),
    c('add-failure-leaves-nothing', async (t) => {
      const rt = t.runtime();
      const list = s.list(t, { oneAddress: true, ipMasq: s.name === 'bridge' });
      const first = attach(t, 'c1');
      await rt.add(list, first.a);
      const before = s.hostObjects(t).sort();
      const second = attach(t, 'c2');
      await rejects(t, rt.add(list, second.a), 'ADD with the only address taken');
      s.absent(t, list, second.a, second.ctr);
      t.eq(linkNames(second.ctr), ['lo'], 'links left in the failed container netns');
      t.eq(s.hostObjects(t).sort(), before, 'host-side links after the failed ADD');
      await rt.del(list, second.a); // what a runtime does after a failed ADD
      await rt.del(list, first.a);
    }),
    ...(s.interfaces ? [c('add-existing-ifname', async (t) => {
      const rt = t.runtime();
      const list = s.list(t);
      const { ctr, a } = attach(t, 'c');
      nsMust(ctr, 'ip', 'link', 'add', a.ifName, 'type', 'veth', 'peer', 'name', 'other0');
      await rejects(t, rt.add(list, a), `ADD with ${a.ifName} already in the netns`);
      t.eq(link(ctr, a.ifName)?.linkinfo?.info_kind, 'veth', `the existing ${a.ifName}`);
      s.absent(t, list, a, undefined); // leases and rules; the link is the one made above
      t.eq(s.hostObjects(t), [], 'host-side links after the failed ADD');
    })] : []),
  ];
}

export const cases: Case[] = subjects.flatMap(lifecycleCases);
