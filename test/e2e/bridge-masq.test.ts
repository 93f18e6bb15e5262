// bridge ipMasq through the built executable, both backends, in scratch namespaces: the
// reference's objects (iptables nat chain CNI-<24 hex> + POSTROUTING jump; nft table inet
// cni_plugins_masquerade), real masquerading to an "outside" netns with no route back,
// teardown on DEL even without the container netns, and GC of attachments no longer valid.
// Subnets: 10.152.x.0/24, fd00:152:x::/64, 192.0.2.0/24 outside.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type Call } from './helpers';
import {
  canNetns, cleanupNetns, cniIn, delNetns, iptablesCni, leaseFiles, leftovers, linksOfKind, makeNetns, nftRules, nothingLeft, nsMust,
  ping, pluginDir, settle, type Json, type Netns,
} from './netns';

const NET = 'brmasq';
const BR = 'cnitsbr2';
const data = tempDir('brm');
let host: Netns;
type Backend = 'iptables' | 'nftables';

function conf(backend: Backend | undefined, ranges: object[], extra: Record<string, unknown> = {}) {
  return {
    cniVersion: '1.1.0', name: NET, type: 'bridge', bridge: BR, isDefaultGateway: true, ipMasq: backend !== undefined,
    ...(backend ? { ipMasqBackend: backend } : {}), ipam: { type: 'host-local', dataDir: data.path, ranges }, ...extra,
  };
}
const bridge = (command: string, ctr: Netns, cf: unknown, c: Partial<Call> = {}) =>
  cniIn(host, 'bridge', { command, netns: ctr.path, containerID: ctr.name, ...c }, cf, pluginDir);
const withPrev = (cf: object, prevResult: unknown) => ({ ...cf, prevResult });
const sha = (s: string) => createHash('sha512').update(s).digest('hex');
const chainOf = (cid: string, net = NET) => `CNI-${sha(net + cid).slice(0, 24)}`;
const nftComment = (cid: string, net = NET) => `${sha(net).slice(0, 16)}-${sha(`eth0:${cid}`).slice(0, 16)}, net: ${net}, if: eth0, id: ${cid}`;
const cm = (cid: string, net = NET) => `-m comment --comment "name: \\"${net}\\" id: \\"${cid}\\""`;
function iptablesRules(cid: string, ip4: string, net4: string, ip6?: string, net6?: string): string[] {
  const c = chainOf(cid);
  const v4 = [`:${c} -`, `-A POSTROUTING -s ${ip4}/32 ${cm(cid)} -j ${c}`, `-A ${c} -d ${net4} ${cm(cid)} -j ACCEPT`, `-A ${c} ! -d 224.0.0.0/4 ${cm(cid)} -j MASQUERADE`];
  const v6 = ip6 ? [`:${c} -`, `-A POSTROUTING -s ${ip6}/128 ${cm(cid)} -j ${c}`, `-A ${c} -d ${net6} ${cm(cid)} -j ACCEPT`, `-A ${c} ! -d ff00::/8 ${cm(cid)} -j MASQUERADE`] : [];
  return [...v4, ...v6].sort();
}
const nftExpr = (proto: 'ip' | 'ip6', ip: string, addr: string, len: number) => [
  { match: { op: '==', left: { payload: { protocol: proto, field: 'saddr' } }, right: ip } },
  { match: { op: '!=', left: { payload: { protocol: proto, field: 'daddr' } }, right: { prefix: { addr, len } } } },
  { masquerade: null },
];
const masqChecks = (): Json[] => nftRules(host, 'inet', 'cni_plugins_masquerade').filter((r: Json) => r.chain === 'masq_checks');

/** an "outside" netns behind the host's up0 (192.0.2.1/24) with no route back to the containers */
function outside(): Netns {
  const out = makeNetns('cnitsbo');
  nsMust(host, 'ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1', 'netns', out.name);
  nsMust(host, 'ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'up0');
  nsMust(host, 'ip', 'link', 'set', 'up0', 'up');
  nsMust(out, 'ip', 'addr', 'add', '192.0.2.2/24', 'dev', 'up1');
  nsMust(out, 'ip', 'link', 'set', 'up1', 'up');
  return out;
}

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'bridge')))('bridge ipMasq', () => {
  beforeEach(() => { host = makeNetns('cnitsbh'); });
  afterEach(() => {
    cleanupNetns();
    for (const f of readdirSync(data.path)) rmSync(join(data.path, f), { recursive: true, force: true });
  });
  afterAll(() => data.cleanup());

  it.each(['iptables', 'nftables'] as const)('%s: the reference rules for both families; CHECK; DEL (twice) removes them', async (backend) => {
    const ctr = makeNetns('cnitsbc');
    const cf = conf(backend, [[{ subnet: '10.152.0.0/24' }], [{ subnet: 'fd00:152::/64' }]]);
    const r = await bridge('ADD', ctr, cf);
    expect(r.code).toBe(0);
    expect(r.json.ips.map((i: Json) => i.address)).toEqual(['10.152.0.2/24', 'fd00:152::2/64']);
    if (backend === 'iptables') {
      expect(iptablesCni(host).sort()).toEqual(iptablesRules(ctr.name, '10.152.0.2', '10.152.0.0/24', 'fd00:152::2', 'fd00:152::/64'));
      expect(masqChecks()).toEqual([]);
    } else {
      expect(iptablesCni(host)).toEqual([]);
      expect(masqChecks().map((x: Json) => [x.comment, x.expr])).toEqual([
        [nftComment(ctr.name), nftExpr('ip', '10.152.0.2', '10.152.0.0', 24)],
        [nftComment(ctr.name), nftExpr('ip6', 'fd00:152::2', 'fd00:152::', 64)],
      ]);
      const post = nftRules(host, 'inet', 'cni_plugins_masquerade').filter((x: Json) => x.chain === 'postrouting');
      expect(post.map((x: Json) => Object.keys(x.expr.at(-1))[0])).toEqual(['return', 'return', 'goto']);
    }
    const chk = await bridge('CHECK', ctr, withPrev(cf, r.json));
    expect([chk.code, chk.stdout]).toEqual([0, '']);
    for (let i = 0; i < 2; i++) {
      const del = await bridge('DEL', ctr, withPrev(cf, r.json));
      expect([del.code, del.stdout, i]).toEqual([0, '', i]);
    }
    expect(leftovers(host, ctr, data.path, NET)).toEqual(nothingLeft);
  });

  it.each([
    ['ipMasqBackend iptables', 'iptables', true], ['ipMasqBackend nftables', 'nftables', true], ['no ipMasq', undefined, false],
  ] as const)('%s: a container reaches an outside netns that has no route back: %s', async (_name, backend, reaches) => {
    const out = outside();
    const ctr = makeNetns('cnitsbc');
    const r = await bridge('ADD', ctr, conf(backend, [[{ subnet: '10.152.1.0/24' }]]));
    expect(r.code).toBe(0);
    expect(ping(ctr, '192.0.2.1')).toBe(true); // the host itself, no NAT needed
    expect(ping(ctr, '192.0.2.2')).toBe(reaches);
    expect(ping(out, '10.152.1.2')).toBe(false); // and nothing routes into the container
  });

  describe('DEL without the container netns still removes the rules', () => {
    const cases = (['iptables', 'nftables'] as const).flatMap((backend) => [
      [backend, 'empty CNI_NETNS', true], [backend, 'empty CNI_NETNS', false],
      [backend, 'netns deleted', true], [backend, 'netns deleted', false],
    ] as const);
    it.each(cases)('%s, %s, prevResult %s', async (backend, how, prev) => {
      const ctr = makeNetns('cnitsbc');
      const cf = conf(backend, [[{ subnet: '10.152.2.0/24' }], [{ subnet: 'fd00:152:2::/64' }]]);
      const r = await bridge('ADD', ctr, cf);
      expect(r.code).toBe(0);
      expect(iptablesCni(host).length + masqChecks().length).toBeGreaterThan(0);
      if (how === 'netns deleted') delNetns(ctr);
      const del = await bridge('DEL', ctr, prev ? withPrev(cf, r.json) : cf, how === 'empty CNI_NETNS' ? { netns: '' } : {});
      expect([del.code, del.stdout]).toEqual([0, '']);
      delNetns(ctr); // the runtime removes the netns after DEL; the kernel then drops the veth pair
      settle(() => linksOfKind(host, 'veth').length === 0);
      expect(leftovers(host, undefined, data.path, NET)).toEqual(nothingLeft);
    });
  });

  it.each(['iptables', 'nftables'] as const)('GC (%s) removes masquerading and leases of attachments not in cni.dev/valid-attachments', async (backend) => {
    const [keep, drop, other] = [makeNetns('cnitsbc'), makeNetns('cnitsbc'), makeNetns('cnitsbc')];
    const cf = conf(backend, [[{ subnet: '10.152.3.0/24' }]]);
    // another network, on its own bridge (one bridge holds one IPv4 gateway address)
    const otherCf = { ...conf(backend, [[{ subnet: '10.152.4.0/24' }]]), name: 'brmasq-other', bridge: `${BR}o` };
    for (const [ns, c] of [[keep, cf], [drop, cf], [other, otherCf]] as const) {
      const r = await bridge('ADD', ns, c);
      expect(r.code, r.stdout).toBe(0);
    }
    expect(leaseFiles(data.path, NET)).toEqual(['10.152.3.2', '10.152.3.3']);
    const gc = await bridge('GC', keep, { ...cf, 'cni.dev/valid-attachments': [{ containerID: keep.name, ifname: 'eth0' }] },
      { env: { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined } });
    expect([gc.code, gc.stdout]).toEqual([0, '']);
    expect(leaseFiles(data.path, NET)).toEqual(['10.152.3.2']);
    expect(leaseFiles(data.path, 'brmasq-other')).toEqual(['10.152.4.2']);
    const left = backend === 'iptables' ? iptablesCni(host).join('\n') : masqChecks().map((x: Json) => x.comment).join('\n');
    expect(left).toContain(`id: ${backend === 'iptables' ? `\\"${keep.name}\\"` : keep.name}`);
    expect(left).toContain(backend === 'iptables' ? chainOf(other.name, 'brmasq-other') : nftComment(other.name, 'brmasq-other'));
    expect(left).not.toContain(drop.name);
    if (backend === 'iptables') expect(left).not.toContain(chainOf(drop.name));
    // the kept attachment still CHECKs and DELs cleanly
    const r = await bridge('DEL', keep, cf);
    expect(r.code).toBe(0);
    expect(leaseFiles(data.path, NET)).toEqual([]);
  });
});
