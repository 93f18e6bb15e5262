// LoadIPAMConfig (allocator/config.go): the network config and CNI_ARGS turned
// into canonical range sets, requested IPs and routes. Config errors are code 7
// ("invalid network configuration") with details naming the field; CNI_ARGS
// errors keep the reference's code 999 and wording.
import { CniError, Code } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import type { Route } from '../../lib/cni/types/current';
import { validate } from '../../lib/cni/validate';
import check from './generated/validate.cjs';
import checkTypes from './generated/validate-types.cjs';
import { parseCniArgs } from '../../lib/cni/args';
import { type IPNum, formatCIDRNum, formatIPNum, parseCIDRNum, parseIPNum, parseIPOrCIDR, toIPNum } from '../../lib/ip';
import { foldKeys } from './keys';
import { FieldError, type RangeInput, canonicalizeRange } from './range';
import { limits } from './limits';
import { findOverlap, indexed, sortedByFamily } from './range-index';
import { type RangeSet, checkRangeSet } from './range-set';
import { defaultDataDir } from './store';

import type { Opt } from '../../lib/cni/schema-parts';
import type { Raw as RawConf, RawRange, RawRoute } from './schema';

export interface Attachment {
  containerID: string;
  ifname: string;
}

export interface HostLocalConfig {
  name: string;
  cniVersion: string;
  dataDir: string;
  resolvConf?: string;
  /** runtimeConfig.ipRanges, then the legacy ipam.subnet range, then ipam.ranges */
  ranges: RangeSet[];
  /** where each range set came from, e.g. "ipam.ranges[0]" */
  rangeFields: string[];
  /** CNI_ARGS IP, then args.cni.ips, then runtimeConfig.ips; canonical, may repeat */
  requestedIPs: IPNum[];
  routes: Route[];
  /** GC: cni.dev/valid-attachments (else cni.dev/attachments); undefined when neither is given */
  validAttachments?: Attachment[];
}

export function configError(field: string, message: string): CniError {
  return new CniError(Code.InvalidNetworkConfig, 'invalid network configuration', `${field}: ${message}`);
}

function ipField(field: string, value: Opt<string>): IPNum | undefined {
  if (value === null || value === undefined || value === '') return undefined; // Go: empty text is a nil net.IP
  const ip = parseIPNum(value);
  if (!ip) throw configError(field, `invalid IP address ${JSON.stringify(value)}`);
  return ip;
}

function cidrField(field: string, value: string) {
  const cidr = parseCIDRNum(value);
  if (!cidr) throw configError(field, `invalid CIDR address ${JSON.stringify(value)}`);
  return cidr;
}

function rangeInput(path: string, r: RawRange): RangeInput {
  return {
    subnet: cidrField(`${path}.subnet`, r.subnet),
    rangeStart: ipField(`${path}.rangeStart`, r.rangeStart),
    rangeEnd: ipField(`${path}.rangeEnd`, r.rangeEnd),
    gateway: ipField(`${path}.gateway`, r.gateway),
  };
}

interface PendingSet {
  field: string;
  /** per range: the field path prefix ("ipam" for the legacy range) and its input */
  ranges: { path: string; input: RangeInput }[];
}

function pendingSets(field: string, sets: Opt<RawRange[][]>): PendingSet[] {
  return (sets ?? []).map((set, i) => ({
    field: `${field}[${i}]`,
    ranges: set.map((r, j) => ({ path: `${field}[${i}][${j}]`, input: rangeInput(`${field}[${i}][${j}]`, r) })),
  }));
}

function requested(field: string, ips: Opt<string[]>): IPNum[] {
  return (ips ?? []).map((s, i) => {
    const ip = parseIPOrCIDR(s);
    if (!ip) throw configError(`${field}[${i}]`, `invalid IP address ${JSON.stringify(s)}`);
    return toIPNum(ip);
  });
}

function route(field: string, r: RawRoute): Route {
  const dst = cidrField(`${field}.dst`, r.dst);
  const out: Route = { dst: formatCIDRNum(dst.ip, dst.prefix, dst.bits) };
  const gw = ipField(`${field}.gw`, r.gw);
  if (gw) out.gw = formatIPNum(gw);
  // int fields are omitempty in the reference, the *int ones only when null
  if (r.mtu) out.mtu = r.mtu;
  if (r.advmss) out.advmss = r.advmss;
  if (r.priority) out.priority = r.priority;
  if (typeof r.table === 'number') out.table = r.table;
  if (typeof r.scope === 'number') out.scope = r.scope;
  return out;
}

function attachments(raw: RawConf): Attachment[] | undefined {
  const key = Object.hasOwn(raw, 'cni.dev/valid-attachments') ? 'cni.dev/valid-attachments' : 'cni.dev/attachments';
  if (!Object.hasOwn(raw, key)) return undefined;
  return (raw[key] ?? []).map((a) => ({ containerID: a.containerID ?? '', ifname: a.ifname ?? '' }));
}

/** version.GreaterThanOrEqualTo(v, "0.3.0"); unparsable versions are not (strconv.Atoi parts, "" = 0.1.0) */
function atLeast030(v: string): boolean {
  const parts = v === '' ? ['0', '1', '0'] : v.split('.');
  if (parts.length > 3 || !parts.every((p) => /^[+-]?[0-9]+$/.test(p))) return false;
  const [major = 0, minor = 0, micro = 0] = parts.map(Number);
  return major > 0 || (major === 0 && (minor > 3 || (minor === 3 && micro >= 0)));
}

/** Canonicalises every range and checks each set, the families per CNI version and the overlaps between sets. */
function finishRanges(pending: PendingSet[], cniVersion: string): RangeSet[] {
  const sets = pending.map((p) => {
    const set = p.ranges.map(({ path, input }) => {
      try {
        return canonicalizeRange(input);
      } catch (err) {
        if (err instanceof FieldError) throw configError(`${path}.${err.key}`, err.message);
        throw err;
      }
    });
    try {
      checkRangeSet(set);
    } catch (err) {
      if (err instanceof FieldError) throw configError(p.field + err.key, err.message);
      throw err;
    }
    return set;
  });
  const v6Sets = sets.filter((s) => s[0]!.rangeStart.v6).length;
  if (v6Sets > 1 || sets.length - v6Sets > 1) {
    if (!atLeast030(cniVersion)) throw configError('cniVersion', `CNI version ${cniVersion} does not support more than 1 address per family`);
  }
  // within a set nothing overlaps any more, so any pair found is across two sets
  const { v4, v6 } = sortedByFamily(indexed(sets));
  const pair = findOverlap(v4) ?? findOverlap(v6);
  if (pair) {
    const [i, j] = [pair[0].set, pair[1].set];
    throw configError(`${pending[i]!.field}, ${pending[j]!.field}`, `range set ${i} overlaps with ${j}`);
  }
  return sets;
}

function checkTotals(sets: number, requestedIPs: number): void {
  if (sets > limits.rangeSets) {
    throw configError('runtimeConfig.ipRanges, ipam.subnet, ipam.ranges', `${sets} range sets in all, more than the limit of ${limits.rangeSets}`);
  }
  if (requestedIPs > limits.requestedIPs) {
    throw configError('CNI_ARGS IP, args.cni.ips, runtimeConfig.ips', `${requestedIPs} requested addresses in all, more than the limit of ${limits.requestedIPs}`);
  }
}

/** Parses, validates and normalises host-local's view of the network config and CNI_ARGS. */
export function loadConfig(args: CmdArgs): HostLocalConfig {
  // the size limits (./limits.ts) are for ADD and CHECK; the other verbs check JSON types only
  const full = args.command === 'ADD' || args.command === 'CHECK';
  const raw = validate(full ? check : checkTypes, foldKeys(args.conf));
  const ipam = raw.ipam;
  const fromRanges = pendingSets('ipam.ranges', ipam.ranges);
  const legacy: PendingSet[] = [];
  if (typeof ipam.subnet === 'string') {
    const input = rangeInput('ipam', { ...ipam, subnet: ipam.subnet });
    legacy.push({ field: 'ipam.subnet', ranges: [{ path: 'ipam', input }] });
  } else {
    // without a subnet the legacy keys are ignored, but Go still decodes (checks) them
    for (const k of ['rangeStart', 'rangeEnd', 'gateway'] as const) ipField(`ipam.${k}`, ipam[k]);
  }
  const fromRuntime = pendingSets('runtimeConfig.ipRanges', raw.runtimeConfig?.ipRanges);
  const routes = (ipam.routes ?? []).map((r, i) => route(`ipam.routes[${i}]`, r));
  const argsIPs = requested('args.cni.ips', raw.args?.cni?.ips);
  const runtimeIPs = requested('runtimeConfig.ips', raw.runtimeConfig?.ips);

  const env = parseCniArgs(args.args, ['IP'], {
    IP: (v) => (v === '' || parseIPOrCIDR(v) ? undefined : `invalid IP address ${v}`),
  });
  const envIP = env['IP'] ? parseIPOrCIDR(env['IP']) : undefined;
  const requestedIPs = [...(envIP ? [toIPNum(envIP)] : []), ...argsIPs, ...runtimeIPs];

  const pending = [...fromRuntime, ...legacy, ...fromRanges];
  if (pending.length === 0) throw configError('ipam.ranges', 'no IP ranges specified');
  // each source is within its limit (the schema); together they may not be
  if (full) checkTotals(pending.length, requestedIPs.length);
  const cniVersion = args.conf.cniVersion;
  const ranges = finishRanges(pending, cniVersion);

  const conf: HostLocalConfig = {
    name: args.conf.name,
    cniVersion,
    dataDir: ipam.dataDir || defaultDataDir,
    ranges,
    rangeFields: pending.map((p) => p.field),
    requestedIPs,
    routes,
  };
  if (ipam.resolvConf) conf.resolvConf = ipam.resolvConf;
  const att = attachments(raw);
  if (att) conf.validAttachments = att;
  return conf;
}
