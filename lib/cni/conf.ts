// The part of config loading every plugin does the same way: name and version (already
// checked by the skel), the IPAM type, `dns` when it says anything, prevResult parsed in
// the config's version, and the MAC the runtime asked for by precedence.
import { parseCniArgs } from './args';
import { CniError, Code } from './errors';
import type { CmdArgs } from './plugin';
import type { CommonRaw, MacRaw, Opt } from './schema-parts';
import { parseResult } from './types/convert';
import type { DNS, Result } from './types/current';

/** A config error: code 7, details `<field>: <message>`. */
export const badConf = (field: string, msg: string): CniError =>
  new CniError(Code.InvalidNetworkConfig, 'invalid network configuration', `${field}: ${msg}`);

export interface CommonConf {
  name: string;
  cniVersion: string;
  /** '' = none (L2 only, or chained on prevResult's IPs) */
  ipamType: string;
  dns?: DNS;
  prevResult?: Result;
}

export function commonConf(args: CmdArgs, raw: CommonRaw): CommonConf {
  const c: CommonConf = { name: args.conf.name, cniVersion: args.conf.cniVersion, ipamType: raw.ipam?.type ?? '' };
  const dns = raw.dns;
  if (dns && Object.values(dns).some((v: unknown) => (Array.isArray(v) ? v.length : v))) c.dns = dns;
  if (raw.prevResult !== undefined && raw.prevResult !== null) c.prevResult = parseResult(raw.prevResult, c.cniVersion);
  return c;
}

/** An interface name the kernel could take (IFNAMSIZ, no '/', ':' or white space). */
export function checkIfName(field: string, name: string, what = 'interface name'): void {
  if (Buffer.byteLength(name) > 15 || /[/:\s]/.test(name)) throw badConf(field, `invalid ${what} ${JSON.stringify(name)}`);
}

const macRe = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

/**
 * The container MAC by precedence: runtimeConfig.mac (capability `mac`), args.cni.mac,
 * CNI_ARGS MAC=, then the plugin's own `mac` key where it has one. Only the one that counts
 * is checked (the pattern stays here, not in the schemas: a lower-precedence value is never
 * read, as in the reference); the error names its source. Normalised to lower case and ':'.
 */
export function pickMac(args: CmdArgs, raw: MacRaw, opts: { own?: Opt<string>; unicast?: boolean; field?: string } = {}): string | undefined {
  const envMac = args.args ? parseCniArgs(args.args, ['MAC'])['MAC'] : undefined;
  const sources: [string, Opt<string>][] = [
    ['runtimeConfig.mac', raw.runtimeConfig?.mac], ['args.cni.mac', raw.args?.cni?.mac], ['CNI_ARGS MAC', envMac], ['mac', opts.own],
  ];
  const [source, mac] = sources.find(([, v]) => v) ?? [];
  if (!source || !mac) return undefined;
  const field = opts.field ?? source;
  if (!macRe.test(mac)) throw badConf(field, `invalid MAC address ${JSON.stringify(mac)}`);
  if (opts.unicast && parseInt(mac.slice(0, 2), 16) & 1) throw badConf(field, `${mac} is a multicast MAC address`);
  return mac.toLowerCase().replaceAll('-', ':');
}
