// The macvlan config: defaults, validation (code 7, naming the field) and the MAC
// precedence mac < CNI_ARGS MAC= < args.cni.mac < runtimeConfig.mac. Pure: the master
// and its MTU are checked by ADD and CHECK against the kernel.
import { parseCniArgs } from '../../lib/cni/args';
import type { CmdArgs } from '../../lib/cni/plugin';
import { parseResult } from '../../lib/cni/types/convert';
import type { DNS, Result } from '../../lib/cni/types/current';
import { validate } from '../../lib/cni/validate';
import { badConf } from '../../lib/link-plugins';
import type { MacvlanMode } from '../../lib/netlink';

export const modes: readonly MacvlanMode[] = ['bridge', 'private', 'vepa', 'passthru'];

export interface MacvlanConf {
  name: string;
  cniVersion: string;
  /** '' = the default-route interface */
  master: string;
  mode: MacvlanMode;
  /** 0 = the master's */
  mtu: number;
  mac?: string;
  linkInContainer: boolean;
  /** 0 = the kernel's default */
  bcQueueLen: number;
  /** '' = L2 only */
  ipamType: string;
  dns?: DNS;
  prevResult?: Result;
}

interface Raw {
  master?: string;
  mode?: string;
  mtu?: number;
  mac?: string;
  linkInContainer?: boolean;
  bcqueuelen?: number;
  ipam?: { type?: string };
  dns?: DNS;
  args?: { cni?: { mac?: string } };
  runtimeConfig?: { mac?: string };
  prevResult?: unknown;
}

const macRe = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

/** What DEL and STATUS need, checked no further than the reference's json.Unmarshal. */
export function loadIpamType(args: CmdArgs): string {
  return validate<Raw>('macvlan', args.conf).ipam?.type ?? '';
}

/** The full config of ADD and CHECK. */
export function loadConfig(args: CmdArgs): MacvlanConf {
  const raw = validate<Raw>('macvlan', args.conf);
  const mode = raw.mode || 'bridge';
  if (!(modes as readonly string[]).includes(mode)) throw badConf('mode', `unknown macvlan mode ${JSON.stringify(mode)} (one of ${modes.join(', ')})`);
  const c: MacvlanConf = {
    name: args.conf.name,
    cniVersion: args.conf.cniVersion,
    master: raw.master ?? '',
    mode: mode as MacvlanMode,
    mtu: raw.mtu ?? 0,
    linkInContainer: raw.linkInContainer ?? false,
    bcQueueLen: raw.bcqueuelen ?? 0,
    ipamType: raw.ipam?.type ?? '',
  };
  if (c.mtu < 0) throw badConf('mtu', `invalid MTU ${c.mtu}, must be [0, master MTU]`);
  if (Buffer.byteLength(c.master) > 15 || /[/:\s]/.test(c.master)) throw badConf('master', `invalid interface name ${JSON.stringify(c.master)}`);
  if (raw.dns && Object.values(raw.dns).some((v) => (Array.isArray(v) ? v.length : v))) c.dns = raw.dns;
  const envMac = args.args ? parseCniArgs(args.args, ['MAC'])['MAC'] : undefined;
  const sources: [string, string | undefined][] = [
    ['runtimeConfig.mac', raw.runtimeConfig?.mac], ['args.cni.mac', raw.args?.cni?.mac], ['CNI_ARGS MAC', envMac], ['mac', raw.mac],
  ];
  const [field, mac] = sources.find(([, v]) => v) ?? [];
  if (field && mac) {
    if (!macRe.test(mac)) throw badConf(field, `invalid MAC address ${JSON.stringify(mac)}`);
    if (parseInt(mac.slice(0, 2), 16) & 1) throw badConf(field, `${mac} is a multicast MAC address`);
    c.mac = mac.toLowerCase().replaceAll('-', ':');
  }
  if (raw.prevResult !== undefined && raw.prevResult !== null) c.prevResult = parseResult(raw.prevResult, c.cniVersion);
  return c;
}
