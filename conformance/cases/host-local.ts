// host-local as the runtime's only plugin: the on-disk format, and the spec 1.1.0 verbs the
// reference lacks (plugins#1047): STATUS reporting exhaustion (code 50) and GC releasing the
// reservations of attachments missing from `cni.dev/valid-attachments`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Case, T } from '../harness';
import { leases, leasesOf, type Json } from '../kernel';
import { PluginError, type NetList, type Runtime } from '../runtime';
import { attach, dataDir, ipam, netList } from './subjects';

const NET = 'cfhostlocal';
const ipOf = (r: Json): string => String(r.ips?.[0]?.address ?? '').split('/')[0] ?? '';
const list = (t: T, oneAddress = false, version?: string): NetList =>
  netList(NET, [{ type: 'host-local', ipam: ipam(t, { oneAddress }) }], version ? { version } : {});

/** Fails the case, with the plugin's own answer, when host-local does not advertise 1.1.0 (STATUS, GC). */
async function need11(t: T, rt: Runtime, verb: string, l: NetList): Promise<void> {
  const vs = await rt.versions('host-local');
  if (vs.includes('1.1.0')) return;
  const e = await rt.exec('host-local', rt.env(verb), JSON.stringify({ ...l.plugins[0], name: l.name, cniVersion: '1.1.0' }));
  t.fail(`host-local does not advertise 1.1.0 (no ${verb}); ${verb} answered ${e.stdout.replace(/\s+/g, ' ').trim() || `exit ${e.code}`}`);
}

const table: { id: string; run: (t: T) => Promise<void> }[] = [
  {
    id: 'lease-file-format',
    async run(t) {
      const rt = t.runtime();
      const l = list(t);
      const { a } = attach(t, 'c');
      const r = await rt.add(l, a);
      const ip = ipOf(r);
      t.eq(Object.fromEntries(leases(dataDir(t), NET)), { [ip]: `${a.containerID}\r\n${a.ifName}` }, 'lease files');
      t.eq(readFileSync(join(dataDir(t), NET, 'last_reserved_ip.0'), 'utf8'), ip, 'last_reserved_ip.0');
      await rt.del(l, a);
      t.eq(leases(dataDir(t), NET).size, 0, 'leases after DEL');
    },
  },
  {
    id: 'status-ready',
    async run(t) {
      const rt = t.runtime();
      const l = list(t, false, '1.1.0');
      await need11(t, rt, 'STATUS', l);
      await rt.status(l);
      t.success(rt.log.at(-1)!, 'STATUS', true);
    },
  },
  {
    id: 'status-exhausted',
    async run(t) {
      const rt = t.runtime();
      const l = list(t, true, '1.1.0');
      await need11(t, rt, 'STATUS', l);
      const { a } = attach(t, 'c');
      await rt.add(l, a);
      const err = await rt.status(l).then(() => undefined, (e: unknown) => e);
      if (!(err instanceof PluginError)) return t.fail(err ? String(err) : 'STATUS succeeded with the only address taken');
      t.cniError(err.exec, 50, 'STATUS with the range exhausted');
      await rt.del(l, a);
      await rt.status(l);
    },
  },
  {
    id: 'gc-releases-stale',
    async run(t) {
      const rt = t.runtime();
      const l = list(t);
      const kept = attach(t, 'c1');
      const stale = attach(t, 'c2');
      await rt.add(l, kept.a);
      await rt.add(l, stale.a);
      // the runtime lost c2 (reboot, crash): only GC can free its address now
      rt.forget(l, stale.a);
      await need11(t, rt, 'GC', l);
      const valid = [{ containerID: kept.a.containerID, ifname: kept.a.ifName }];
      await rt.gc(l, valid, '1.1.0');
      const gc = rt.log.filter((e) => e.command === 'GC');
      t.eq(gc.length, 1, 'GC calls');
      t.success(gc[0]!, 'GC', true);
      t.eq(leasesOf(dataDir(t), NET, stale.a.containerID, stale.a.ifName), [], 'leases of the stale attachment after GC');
      t.eq(leasesOf(dataDir(t), NET, kept.a.containerID, kept.a.ifName).length, 1, 'leases of the valid attachment after GC');
      await rt.check(l, kept.a);
      await rt.del(l, kept.a);
    },
  },
];

export const cases: Case[] = table.map((c) => ({ id: `host-local/${c.id}`, needs: ['host-local'], run: c.run }));
