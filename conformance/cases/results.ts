// The Success result of each spec version, per subject: 0.1.0/0.2.0 `ip4`/`ip6`, 0.3.x/0.4.0
// `interfaces` + `ips[]` with `version`, 1.x the same without `version`. Only versions the
// plugins advertise in VERSION are run (SKIP otherwise); each run does ADD, CHECK (≥ 0.4.0)
// and DEL and reads the kernel back after ADD and DEL.
import { allVersions, atLeast, family } from '../convert';
import type { Case, T } from '../harness';
import type { Json } from '../kernel';
import type { Attachment } from '../runtime';
import { attach, setUp, subjects, type Subject } from './subjects';

const CIDR4 = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const CIDR6 = /^[0-9a-f:]+\/\d{1,3}$/i;
const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)$/i;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
const isCidr = (v: unknown): boolean => typeof v === 'string' && (CIDR4.test(v) || CIDR6.test(v));
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems of `r` as a `v` result of subject `s` for attachment `a` (empty: none). */
export function resultProblems(r: Json, v: string, s: Subject, a: Attachment): string[] {
  const p: string[] = [];
  const keys = (o: Json, allowed: string[], where: string): void => {
    const extra = Object.keys(o).filter((k) => !allowed.includes(k));
    if (extra.length) p.push(`${where} has keys not in ${v}: ${extra.join(', ')}`);
  };
  const routes = (rs: unknown, where: string): void => {
    if (rs === undefined) return;
    if (!Array.isArray(rs)) return void p.push(`${where} is not a list`);
    for (const x of rs) if (!isObj(x) || !isCidr(x.dst) || (x.gw !== undefined && !IP.test(String(x.gw)))) p.push(`bad route in ${where}: ${JSON.stringify(x)}`);
  };
  if (!isObj(r)) return [`result is not an object`];
  if (r.cniVersion !== v) p.push(`cniVersion ${JSON.stringify(r.cniVersion)}, want ${v}`);
  if (r.dns !== undefined && !isObj(r.dns)) p.push('dns is not an object');
  if (family(v) === '020') {
    keys(r, ['cniVersion', 'ip4', 'ip6', 'dns'], 'result');
    if (!isObj(r.ip4)) return [...p, 'no ip4 (the configs are IPv4)'];
    keys(r.ip4, ['ip', 'gateway', 'routes'], 'ip4');
    if (!CIDR4.test(String(r.ip4.ip))) p.push(`ip4.ip ${JSON.stringify(r.ip4.ip)}`);
    if (r.ip4.gateway !== undefined && !IP.test(String(r.ip4.gateway))) p.push(`ip4.gateway ${JSON.stringify(r.ip4.gateway)}`);
    routes(r.ip4.routes, 'ip4.routes');
    return p;
  }
  keys(r, ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'], 'result');
  const ifaces: Json[] = Array.isArray(r.interfaces) ? r.interfaces : [];
  if (r.interfaces !== undefined && !Array.isArray(r.interfaces)) p.push('interfaces is not a list');
  const ifaceKeys = family(v) === '040' ? ['name', 'mac', 'sandbox'] : ['name', 'mac', 'mtu', 'sandbox', 'socketPath', 'pciID'];
  for (const i of ifaces) {
    if (!isObj(i) || typeof i.name !== 'string') { p.push(`bad interface ${JSON.stringify(i)}`); continue; }
    keys(i, ifaceKeys, `interface ${i.name}`);
    if (i.mac !== undefined && !MAC.test(String(i.mac))) p.push(`interface ${i.name} mac ${JSON.stringify(i.mac)}`);
  }
  const ctrIdx = ifaces.findIndex((i) => i?.name === a.ifName && i?.sandbox === a.netns);
  if (s.interfaces && ctrIdx < 0) p.push(`no interface ${a.ifName} with sandbox ${a.netns}`);
  if (!s.interfaces && ifaces.length) p.push('an IPAM result with interfaces');
  if (!Array.isArray(r.ips) || r.ips.length === 0) return [...p, 'no ips'];
  for (const ip of r.ips as Json[]) {
    if (!isObj(ip) || !isCidr(ip.address)) { p.push(`bad ip ${JSON.stringify(ip)}`); continue; }
    keys(ip, family(v) === '040' ? ['version', 'address', 'gateway', 'interface'] : ['address', 'gateway', 'interface'], `ip ${ip.address}`);
    const fam = String(ip.address).includes(':') ? '6' : '4';
    if (family(v) === '040' && ip.version !== fam) p.push(`ip ${ip.address} version ${JSON.stringify(ip.version)}, want "${fam}"`);
    if (ip.gateway !== undefined && !IP.test(String(ip.gateway))) p.push(`ip ${ip.address} gateway ${JSON.stringify(ip.gateway)}`);
    if (s.interfaces && ip.interface !== ctrIdx) p.push(`ip ${ip.address} interface ${JSON.stringify(ip.interface)}, want ${ctrIdx} (${a.ifName})`);
    if (!s.interfaces && ip.interface !== undefined) p.push(`IPAM ip ${ip.address} has an interface index`);
  }
  routes(r.routes, 'routes');
  return p;
}

function resultCase(s: Subject, v: string): Case {
  return {
    id: `${s.name}/result/${v}`,
    needs: s.needs,
    async run(t: T) {
      const rt = t.runtime();
      for (const type of new Set(s.list(t).plugins.map((p) => p.type))) {
        const vs = await rt.versions(type);
        if (!vs.includes(v)) t.skip(`${type} does not advertise ${v} (VERSION: ${vs.join(', ')})`);
      }
      setUp(t, s);
      const list = s.list(t, { version: v });
      const { ctr, a } = attach(t, 'c');
      const r = await rt.add(list, a);
      const problems = resultProblems(r, v, s, a);
      if (problems.length) t.fail(problems.join('; '));
      // the kernel check reads addresses from a 0.4.0-shaped view of the result
      const flat = family(v) === '020' ? { ips: [r.ip4, r.ip6].filter(Boolean).map((x: Json) => ({ address: x.ip })) } : r;
      s.present(t, list, a, ctr, flat);
      if (atLeast(v, '0.4.0')) await rt.check(list, a);
      await rt.del(list, a);
      s.absent(t, list, a, ctr);
    },
  };
}

export const cases: Case[] = subjects.flatMap((s) => allVersions.map((v) => resultCase(s, v)));
