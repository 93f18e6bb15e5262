// The plugins under test, as a table: how to configure each one in a scratch host netns, and
// how to see from outside (kernel, lease files) that an attachment is there, is gone, or has
// drifted. The generic cases (spec.ts, lifecycle.ts, results.ts) run once per subject.
import type { T } from '../harness';
import { addrs, kernelHas, leasesOf, link, linksOfKind, masqRules, nsMust, type Json, type Ns } from '../kernel';
import type { Attachment, NetList, PluginConf } from '../runtime';

export interface Opts {
  /** a single cniVersion instead of the default negotiation offer */
  version?: string;
  ipMasq?: boolean;
  /** an IPAM range of exactly one address */
  oneAddress?: boolean;
}

export interface Subject {
  /** the plugin under test; case ids start with it */
  name: 'bridge' | 'host-local' | 'macvlan' | 'ipvlan';
  needs: readonly string[];
  /** whether ADD results carry `interfaces` (main plugins do, IPAM does not) */
  interfaces: boolean;
  /** Skip when this machine cannot run the subject's kernel work */
  gate?(t: T): void;
  /** host-side setup in t.host */
  prepare?(t: T): void;
  list(t: T, o?: Opts): NetList;
  /** a config the plugin itself has to reject */
  broken(t: T): NetList;
  /** fails unless ADD's work for `a` is in place, matching `result` */
  present(t: T, list: NetList, a: Attachment, ctr: Ns, result: Json): void;
  /** fails if anything of `a` is left (ctr undefined: its netns is gone) */
  absent(t: T, list: NetList, a: Attachment, ctr: Ns | undefined): void;
  /** host-side objects attachments own (veths), to count */
  hostObjects(t: T): string[];
  /** breaks something CHECK has to notice */
  drift(t: T, list: NetList, a: Attachment, ctr: Ns): void;
}

export const SUBNET = '10.77.0';
export const BRIDGE = 'cnitscf0';
const PARENT = 'cfpar0';
export const offer = { cniVersion: '1.0.0', cniVersions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'] };

export const dataDir = (t: T): string => t.path('ipam');
export function ipam(t: T, o: Opts = {}): Record<string, unknown> {
  const one = o.oneAddress ? { rangeStart: `${SUBNET}.2`, rangeEnd: `${SUBNET}.2` } : {};
  return { type: 'host-local', dataDir: dataDir(t), ranges: [[{ subnet: `${SUBNET}.0/24`, ...one }]] };
}
export function netList(name: string, plugins: PluginConf[], o: Opts = {}): NetList {
  return { ...(o.version ? { cniVersion: o.version } : offer), name, plugins };
}
const ipOf = (cidr: string): string => cidr.split('/')[0] ?? cidr;
const resultIps = (r: Json): string[] => ((r.ips ?? []) as Json[]).map((i) => String(i.address));

/** An attachment in a fresh container netns. */
export function attach(t: T, role: string, ifName = 'eth0'): { ctr: Ns; a: Attachment } {
  const ctr = t.ns(role);
  return { ctr, a: { containerID: ctr.name, ifName, netns: ctr.path } };
}

function leasesMatch(t: T, list: NetList, a: Attachment, result: Json): void {
  t.eq(leasesOf(dataDir(t), list.name, a.containerID, a.ifName), resultIps(result).map(ipOf).sort(), 'host-local lease files of the attachment');
}
function noLeases(t: T, list: NetList, a: Attachment): void {
  t.eq(leasesOf(dataDir(t), list.name, a.containerID, a.ifName), [], 'lease files left for the attachment');
}
function linkPresent(t: T, ctr: Ns, a: Attachment, kind: string, result: Json): void {
  const l = link(ctr, a.ifName);
  t.ok(l, `no ${a.ifName} in the container netns`);
  t.eq(l.linkinfo?.info_kind, kind, `kind of ${a.ifName}`);
  const have = addrs(ctr, a.ifName);
  for (const ip of resultIps(result)) t.ok(have.includes(ip), `${a.ifName} lacks the result address ${ip} (has ${have.join(', ') || 'none'})`);
}
function linkAbsent(t: T, ctr: Ns | undefined, a: Attachment): void {
  if (ctr) t.ok(!link(ctr, a.ifName), `${a.ifName} still in the container netns`);
}
const flushAddrs = (_t: T, _l: NetList, a: Attachment, ctr: Ns): void => { nsMust(ctr, 'ip', 'addr', 'flush', 'dev', a.ifName); };

/** A veth pair in the host netns, both ends up: the parent of macvlan/ipvlan links. */
function parent(t: T): void {
  nsMust(t.host, 'ip', 'link', 'add', PARENT, 'type', 'veth', 'peer', 'name', 'cfpar1');
  nsMust(t.host, 'ip', 'link', 'set', PARENT, 'up');
  nsMust(t.host, 'ip', 'link', 'set', 'cfpar1', 'up');
}

export const bridgeConf = (t: T, o: Opts = {}, l2 = false): PluginConf => ({
  type: 'bridge', bridge: BRIDGE, isGateway: !l2, ipMasq: o.ipMasq ?? false, ...(l2 ? {} : { ipam: ipam(t, o) }),
});

const bridge: Subject = {
  name: 'bridge',
  needs: ['bridge', 'host-local'],
  interfaces: true,
  list: (t, o) => netList('cfbridge', [bridgeConf(t, o)], o),
  broken: (t) => netList('cfbridge', [{ ...bridgeConf(t), ipam: { ...ipam(t), ranges: [[{ subnet: '10.77.0.0/33' }]] } }]),
  present(t, list, a, ctr, result) {
    linkPresent(t, ctr, a, 'veth', result);
    t.ok(link(t.host, BRIDGE)?.linkinfo?.info_kind === 'bridge', `no bridge ${BRIDGE} in the host netns`);
    t.ok(linksOfKind(t.host, 'veth').some((l: Json) => l.master === BRIDGE), `no host veth enslaved to ${BRIDGE}`);
    leasesMatch(t, list, a, result);
  },
  absent(t, list, a, ctr) {
    linkAbsent(t, ctr, a);
    noLeases(t, list, a);
    t.eq(masqRules(t.host, a.containerID), [], 'masquerade rules left for the attachment');
  },
  hostObjects: (t) => linksOfKind(t.host, 'veth').map((l: Json) => String(l.ifname)),
  drift: flushAddrs,
};

const hostLocal: Subject = {
  name: 'host-local',
  needs: ['host-local'],
  interfaces: false,
  list: (t, o) => netList('cfhostlocal', [{ type: 'host-local', ipam: ipam(t, o) }], o),
  broken: (t) => netList('cfhostlocal', [{ type: 'host-local', ipam: { ...ipam(t), ranges: [[{ subnet: '10.77.0.0/33' }]] } }]),
  present: (t, list, a, _ctr, result) => leasesMatch(t, list, a, result),
  absent: (t, list, a) => noLeases(t, list, a),
  hostObjects: () => [],
  drift(t, list, a) {
    // the reservation is what CHECK can see of an IPAM attachment
    nsMust(t.host, 'rm', '-f', ...leasesOf(dataDir(t), list.name, a.containerID, a.ifName).map((ip) => `${dataDir(t)}/${list.name}/${ip}`));
  },
};

function vlanSubject(name: 'macvlan' | 'ipvlan', mode: string): Subject {
  return {
    name,
    needs: [name, 'host-local'],
    interfaces: true,
    gate(t) {
      if (name === 'ipvlan' && process.env['CNI_VM'] !== '1') t.skip('no ipvlan in this kernel (ipvlan cases run with CNI_VM=1 on a kernel that has it)');
      if (!kernelHas(name)) t.skip(`no ${name} in this kernel`);
    },
    prepare: parent,
    list: (t, o) => netList(`cf${name}`, [{ type: name, master: PARENT, mode, ipam: ipam(t, o) }], o),
    broken: (t) => netList(`cf${name}`, [{ type: name, master: PARENT, mode, ipam: { ...ipam(t), ranges: [[{ subnet: '10.77.0.0/33' }]] } }]),
    present(t, list, a, ctr, result) {
      linkPresent(t, ctr, a, name, result);
      leasesMatch(t, list, a, result);
    },
    absent(t, list, a, ctr) {
      linkAbsent(t, ctr, a);
      noLeases(t, list, a);
    },
    hostObjects: (t) => linksOfKind(t.host, name).map((l: Json) => String(l.ifname)),
    drift: flushAddrs,
  };
}

export const subjects: readonly Subject[] = [bridge, hostLocal, vlanSubject('macvlan', 'bridge'), vlanSubject('ipvlan', 'l2')];

/** gate + prepare: what every kernel case of a subject starts with. */
export function setUp(t: T, s: Subject): void {
  s.gate?.(t);
  s.prepare?.(t);
}
