// bridge + host-local as a user sees them: containers reach each other and the gateway,
// ipMasq rules come and go with the attachment (also when the runtime has lost the netns,
// plugins#810), CHECK works for an L2-only bridge (plugins#987 pattern), the lease files have
// the reference format, and STATUS is forwarded to the IPAM plugin.
import type { Case, T } from '../harness';
import { addrs, leases, masqRules, ping, type Json } from '../kernel';
import { PluginError } from '../runtime';
import { attach, BRIDGE, bridgeConf, dataDir, netList, SUBNET } from './subjects';

const needs = ['bridge', 'host-local'] as const;
const NET = 'cfbridge';
const ipOf = (r: Json, i = 0): string => String(r.ips?.[i]?.address ?? '').split('/')[0] ?? '';

/** ADD with ipMasq, lose the container netns, DEL with CNI_NETNS = `netns(path)`: no rule may stay. */
function masqAfterNetnsGone(netns: (path: string) => string) {
  return async (t: T): Promise<void> => {
    const rt = t.runtime();
    const list = netList(NET, [bridgeConf(t, { ipMasq: true })]);
    const { ctr, a } = attach(t, 'c');
    await rt.add(list, a);
    t.ok(masqRules(t.host, a.containerID).length > 0, 'no masquerade rule after ADD');
    t.scratch.remove(ctr);
    await rt.del(list, { ...a, netns: netns(a.netns) });
    const left = masqRules(t.host, a.containerID);
    if (left.length) t.fail(`${left.length} masquerade rules left after DEL without the netns, e.g. ${left[0]}`);
  };
}

const cases0: { id: string; run: (t: T) => Promise<void> }[] = [
  {
    id: 'two-containers-ping',
    async run(t) {
      const rt = t.runtime();
      const list = netList(NET, [bridgeConf(t)]);
      const one = attach(t, 'c1');
      const two = attach(t, 'c2');
      const r1 = await rt.add(list, one.a);
      const r2 = await rt.add(list, two.a);
      const gw = String(r1.ips?.[0]?.gateway ?? `${SUBNET}.1`);
      t.ok(addrs(t.host, BRIDGE).some((x) => x.startsWith(`${gw}/`)), `gateway ${gw} not on ${BRIDGE}: ${addrs(t.host, BRIDGE).join(', ')}`);
      t.ok(ping(one.ctr, ipOf(r2)), `c1 cannot ping c2 (${ipOf(r2)})`);
      t.ok(ping(two.ctr, ipOf(r1)), `c2 cannot ping c1 (${ipOf(r1)})`);
      t.ok(ping(one.ctr, gw), `c1 cannot ping the gateway ${gw}`);
      t.ok(ping(t.host, ipOf(r1)), `the host cannot ping c1 (${ipOf(r1)})`);
      await rt.del(list, one.a);
      await rt.del(list, two.a);
      t.eq([...leases(dataDir(t), NET).keys()], [], 'leases after both DELs');
    },
  },
  {
    id: 'ipmasq-add-del',
    async run(t) {
      const rt = t.runtime();
      const list = netList(NET, [bridgeConf(t, { ipMasq: true })]);
      const { a } = attach(t, 'c');
      const r = await rt.add(list, a);
      const rules = masqRules(t.host, a.containerID);
      t.ok(rules.some((l) => /MASQUERADE|masq/.test(l)), `no masquerade rule for ${a.containerID}: ${rules.join(' | ') || 'none'}`);
      t.ok(rules.some((l) => l.includes(ipOf(r))) || rules.some((l) => l.startsWith('nft')), `no rule names ${ipOf(r)}`);
      await rt.check(list, a);
      await rt.del(list, a);
      t.eq(masqRules(t.host, a.containerID), [], 'masquerade rules after DEL');
    },
  },
  { id: 'ipmasq-del-empty-netns', run: masqAfterNetnsGone(() => '') },
  { id: 'ipmasq-del-missing-netns', run: masqAfterNetnsGone((p) => p) },
  {
    id: 'check-l2-only',
    async run(t) {
      const rt = t.runtime();
      const list = netList(NET, [bridgeConf(t, {}, true)]);
      const { a } = attach(t, 'c');
      const r = await rt.add(list, a);
      t.eq(r.ips ?? [], [], 'ips of an L2-only ADD');
      t.ok((r.interfaces as Json[]).some((i) => i.name === a.ifName), 'no container interface in the result');
      await rt.check(list, a);
      await rt.del(list, a);
    },
  },
  {
    id: 'lease-file-format',
    async run(t) {
      const rt = t.runtime();
      const list = netList(NET, [bridgeConf(t)]);
      const { a } = attach(t, 'c');
      const r = await rt.add(list, a);
      const files = leases(dataDir(t), NET);
      t.eq([...files.keys()], [ipOf(r)], 'lease files (named by IP)');
      t.eq(files.get(ipOf(r)), `${a.containerID}\r\n${a.ifName}`, 'lease content (containerID CRLF ifname)');
      await rt.del(list, a);
    },
  },
  {
    id: 'status-forwards-ipam-exhaustion',
    async run(t) {
      const rt = t.runtime();
      const list = netList(NET, [bridgeConf(t, { oneAddress: true })], { version: '1.1.0' });
      const vs = await rt.versions('bridge');
      if (!vs.includes('1.1.0')) {
        const e = await rt.exec('bridge', rt.env('STATUS'), JSON.stringify({ ...list.plugins[0], name: NET, cniVersion: '1.1.0' }));
        t.fail(`bridge does not advertise 1.1.0 (no STATUS); STATUS answered ${e.stdout.replace(/\s+/g, ' ').trim() || `exit ${e.code}`}`);
      }
      await rt.status(list);
      const { a } = attach(t, 'c');
      await rt.add(list, a);
      const err = await rt.status(list).then(() => undefined, (e: unknown) => e);
      if (!(err instanceof PluginError)) return t.fail(err ? String(err) : 'STATUS succeeded with the only address taken');
      t.cniError(err.exec, 50, 'STATUS with the IPAM range exhausted');
      await rt.del(list, a);
    },
  },
];

export const cases: Case[] = cases0.map((c) => ({ id: `bridge/${c.id}`, needs, run: c.run }));
