// The portmap config: defaults, validation (code 7, naming the field; ranges and the
// protocol list are in ./schema.ts), the backend choice, and the container's addresses
// taken from prevResult as the reference takes them (the first of each family on CNI_IFNAME).
import { type CommonConf, badConf, commonConf } from '../../lib/cni/conf';
import type { CmdArgs } from '../../lib/cni/plugin';
import { validate } from '../../lib/cni/validate';
import type { Result } from '../../lib/cni/types/current';
import { type IPFamily, type IPPrefix, parseCIDR, parseIP, to4 } from '../../lib/ip';
import { defaultBackend } from '../../lib/masq';
import check from './generated/validate.cjs';
import checkTypes from './generated/validate-types.cjs';
import type { Raw } from './schema';

export type Backend = 'iptables' | 'nftables';
export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface Mapping {
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
  /** '' = every local address */
  hostIP: string;
  /** hostIP's family (Go's To4 decides, as in the reference); undefined without hostIP */
  hostFamily?: IPFamily;
  /** hostIP is 0.0.0.0 or :: : matches like no hostIP, in that family only */
  hostUnspecified: boolean;
}

export interface PortMapConf extends CommonConf {
  backend: Backend;
  snat: boolean;
  conditionsV4: string[];
  conditionsV6: string[];
  masqAll: boolean;
  markMasqBit: number;
  externalSetMarkChain?: string;
  mappings: Mapping[];
  containerID: string;
  /** the container's first address of each family on CNI_IFNAME, as in prevResult */
  addrs: Partial<Record<IPFamily, IPPrefix>>;
}

/** The mark bit when none is configured (Kubernetes uses 14 and 15, Calico 20-31). */
export const DEFAULT_MARK_BIT = 13;

/**
 * ADD and CHECK validate every value; DEL checks JSON types only, so a DEL is never refused
 * for a value ADD would have refused (it only needs names, ports and conditions).
 */
export function loadConfig(args: CmdArgs, strict = true): PortMapConf {
  const raw = strict ? validate(check, args.conf) : validate(checkTypes, args.conf);
  if (raw.markMasqBit != null && raw.externalSetMarkChain != null) {
    throw badConf('externalSetMarkChain', 'cannot specify externalSetMarkChain and markMasqBit');
  }
  const c: PortMapConf = {
    ...commonConf(args, raw),
    backend: chooseBackend(raw),
    snat: raw.snat ?? true,
    conditionsV4: raw.conditionsV4 ?? [],
    conditionsV6: raw.conditionsV6 ?? [],
    masqAll: raw.masqAll ?? false,
    markMasqBit: raw.markMasqBit ?? DEFAULT_MARK_BIT,
    mappings: (raw.runtimeConfig?.portMappings ?? []).map((m, i) => mapping(m, i, strict)),
    containerID: args.containerID,
    addrs: {},
  };
  if (raw.externalSetMarkChain != null) c.externalSetMarkChain = raw.externalSetMarkChain;
  if (c.prevResult) c.addrs = containerAddrs(c.prevResult, args.ifName);
  if (strict && c.prevResult) {
    c.mappings.forEach((m, i) => {
      if (m.hostFamily && !c.addrs[m.hostFamily]) {
        throw badConf(`runtimeConfig.portMappings[${i}].hostIP`, `${m.hostIP} is an IPv${m.hostFamily} address but the container has no IPv${m.hostFamily} address`);
      }
    });
  }
  return c;
}

function mapping(m: NonNullable<NonNullable<Raw['runtimeConfig']>['portMappings']>[number], i: number, strict: boolean): Mapping {
  const out: Mapping = {
    hostPort: m.hostPort, containerPort: m.containerPort,
    // CRI's default; the reference would hand iptables an empty -p
    protocol: (m.protocol || 'tcp').toLowerCase() as Protocol,
    hostIP: m.hostIP ?? '', hostUnspecified: false,
  };
  if (out.hostIP === '') return out;
  const ip = parseIP(out.hostIP);
  if (!ip) {
    if (strict) throw badConf(`runtimeConfig.portMappings[${i}].hostIP`, `invalid IP address ${JSON.stringify(out.hostIP)}`);
    return out;
  }
  out.hostFamily = ip.length === 4 || to4(ip) ? 4 : 6;
  out.hostUnspecified = ip.every((b) => b === 0);
  return out;
}

/**
 * The reference's ensureBackend, except that without `backend` the family-specific options
 * choose it (the reference then defaults to iptables and refuses nftables conditions).
 */
function chooseBackend(raw: Raw): Backend {
  const wants: [string, Backend][] = [];
  if (raw.externalSetMarkChain != null) wants.push(['externalSetMarkChain', 'iptables']);
  for (const key of ['conditionsV4', 'conditionsV6'] as const) {
    const b = conditionsBackend(raw[key]);
    if (b) wants.push([key, b]);
  }
  const backend: Backend = raw.backend || wants[0]?.[1] || defaultBackend();
  const wrong = wants.find(([, b]) => b !== backend);
  if (wrong) {
    const other = wants.filter(([, b]) => b !== backend).map(([k]) => k);
    throw badConf(wrong[0], `${backend} backend was requested but configuration contains ${wrong[1]}-specific options [${other.join(' ')}]`);
  }
  return backend;
}

/** An iptables condition starts with '-' or '!'; no nftables condition does. */
function conditionsBackend(conditions: Raw['conditionsV4']): Backend | undefined {
  const first = conditions?.[0];
  if (!first) return undefined;
  return first[0] === '-' || first[0] === '!' ? 'iptables' : 'nftables';
}

/**
 * parseConfig's address pick: per family the first address whose interface is CNI_IFNAME in
 * a sandbox (or that names no interface).
 */
export function containerAddrs(result: Result, ifName: string): Partial<Record<IPFamily, IPPrefix>> {
  const out: Partial<Record<IPFamily, IPPrefix>> = {};
  const ifaces = result.interfaces ?? [];
  for (const ip of result.ips ?? []) {
    const c = parseCIDR(ip.address);
    if (!c) continue;
    const v4 = to4(c.ip);
    const family: IPFamily = c.ip.length === 4 || v4 ? 4 : 6;
    if (out[family]) continue;
    const idx = ip.interface;
    if (idx !== undefined && idx >= 0 && idx < ifaces.length && (ifaces[idx]?.name !== ifName || !ifaces[idx]?.sandbox)) continue;
    out[family] = v4 && c.ip.length === 16 ? { ip: v4, prefix: Math.max(0, c.prefix - 96) } : c;
  }
  return out;
}

/** The mappings a container address of `family` gets: those without a hostIP of the other family. */
export const mappingsFor = (conf: PortMapConf, family: IPFamily): Mapping[] =>
  conf.mappings.filter((m) => m.hostFamily === undefined || m.hostFamily === family);
