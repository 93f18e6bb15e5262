// The tuning config: args.cni overriding the plain keys, the MAC by the reference's
// precedence (mac < CNI_ARGS MAC= < runtimeConfig.mac < args.cni.mac), and every sysctl
// resolved to its file under /proc/sys/net/ and checked against the allowlist — all before
// anything is changed, so bad input (code 7, naming the field) leaves nothing behind.
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { parseCniArgs } from '../../lib/cni/args';
import { badConf, type CommonConf, commonConf } from '../../lib/cni/conf';
import { internal } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { validate } from '../../lib/cni/validate';
import { duplicateSysctl } from './duplicates';
import check from './generated/validate.cjs';
import checkTypes from './generated/validate-types.cjs';

export const defaultDataDir = '/run/cni/tuning';
export const allowlistFile = '/etc/cni/tuning/allowlist.conf';

export interface Sysctl {
  /** the key as configured (dotted, maybe with IFNAME), for messages */
  key: string;
  /** where it came from, to name the field */
  field: string;
  /** below /proc/sys, e.g. "net/ipv4/conf/eth0/arp_notify" */
  path: string;
  value: string;
}

export interface TuningConf extends CommonConf {
  dataDir: string;
  sysctls: Sysctl[];
  /** normalised (lower case, ':') */
  mac?: { value: string; field: string };
  promisc: boolean;
  /** 0 = unchanged */
  mtu: number;
  allmulti?: boolean;
  txQLen?: number;
}

/** DEL: the types only (it must restore whatever ADD would now refuse) and dataDir. */
export function loadDataDir(args: CmdArgs): string {
  return validate(checkTypes, args.conf).dataDir || defaultDataDir;
}

/** ADD and CHECK. */
export function loadConfig(args: CmdArgs, opts: { allowlist: boolean }): TuningConf {
  const dup = duplicateSysctl(args.stdin.toString('utf8'));
  if (dup !== undefined) throw badConf(`sysctl[${JSON.stringify(dup)}]`, 'duplicated sysctl keys are not allowed');
  const raw = validate(check, args.conf);
  const over = raw.args?.cni ?? {};
  const c: TuningConf = {
    ...commonConf(args, raw),
    dataDir: raw.dataDir || defaultDataDir,
    sysctls: [],
    promisc: over.promisc ?? raw.promisc ?? false,
    mtu: over.mtu ?? raw.mtu ?? 0,
  };
  const allmulti = over.allmulti ?? raw.allmulti;
  if (allmulti !== null && allmulti !== undefined) c.allmulti = allmulti;
  const txQLen = over.txQLen ?? raw.txQLen;
  if (txQLen !== null && txQLen !== undefined) c.txQLen = txQLen;
  const mac = pickMac(args, raw.mac, raw.runtimeConfig?.mac, over.mac);
  if (mac) c.mac = mac;

  // args.cni.sysctl entries replace the config's of the same key (the reference merges maps)
  const merged = new Map<string, { value: string; field: string }>();
  for (const [k, v] of Object.entries(raw.sysctl ?? {})) merged.set(k, { value: v, field: `sysctl[${JSON.stringify(k)}]` });
  for (const [k, v] of Object.entries(over.sysctl ?? {})) merged.set(k, { value: v, field: `args.cni.sysctl[${JSON.stringify(k)}]` });
  const allowed = opts.allowlist ? readAllowlist() : undefined;
  for (const [key, { value, field }] of merged) {
    if (allowed && !allowed.some((re) => re.test(key))) {
      throw badConf(field, `Sysctl ${key} is not allowed. Only the following sysctls are allowed: [${allowed.map((r) => r.source).join(' ')}]`);
    }
    c.sysctls.push({ key, field, path: sysctlPath(key, args.ifName, field), value });
  }
  return c;
}

/**
 * getSysctlFilename: dots become slashes, the first IFNAME becomes CNI_IFNAME, and the cleaned
 * path must stay below /proc/sys/net/ (the only tree that is per network namespace): a
 * non-net key or one that climbs out with `..` is refused.
 */
export function sysctlPath(key: string, ifName: string, field: string): string {
  const rel = key.replaceAll('.', '/').replace('IFNAME', ifName);
  const file = posix.join('/proc/sys', rel);
  if (!file.startsWith('/proc/sys/net/')) throw badConf(field, `invalid net sysctl key ${JSON.stringify(rel)}`);
  return file.slice('/proc/sys/'.length);
}

/** The allowlist's regular expressions (unanchored, as Go's MatchString); undefined: no file, no restriction. */
export function readAllowlist(file = allowlistFile): RegExp[] | undefined {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.map((l) => {
    try {
      return new RegExp(l);
    } catch (err) {
      throw internal(`invalid regular expression ${JSON.stringify(l)} in ${file}: ${(err as Error).message}`);
    }
  });
}

/** net.ParseMAC's 6-byte forms (aa:bb:.., aa-bb-.., aabb.ccdd.eeff), normalised. */
export function parseMac(text: string): string | undefined {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(text);
  if (m) return [m[1], m[3], m[4], m[5], m[6], m[7]].join(':').toLowerCase();
  const d = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i.exec(text);
  if (d) return (d[1]! + d[2]! + d[3]!).toLowerCase().replace(/(..)(?!$)/g, '$1:');
  return undefined;
}

function pickMac(args: CmdArgs, own: unknown, runtime: unknown, fromArgs: unknown): TuningConf['mac'] {
  const envMac = args.args ? parseCniArgs(args.args, ['MAC'])['MAC'] : undefined;
  // later wins; args.cni.mac wins even when "" (it then means: no change)
  let pick: { text: string; field: string } | undefined;
  if (typeof own === 'string' && own) pick = { text: own, field: 'mac' };
  if (envMac) pick = { text: envMac, field: 'CNI_ARGS MAC' };
  if (typeof runtime === 'string' && runtime) pick = { text: runtime, field: 'runtimeConfig.mac' };
  if (typeof fromArgs === 'string') pick = { text: fromArgs, field: 'args.cni.mac' };
  if (!pick?.text) return undefined;
  const value = parseMac(pick.text);
  if (!value) throw badConf(pick.field, `invalid MAC address ${JSON.stringify(pick.text)}`);
  if (parseInt(value.slice(0, 2), 16) & 1) throw badConf(pick.field, `${value} is a multicast MAC address`);
  return { value, field: pick.field };
}
