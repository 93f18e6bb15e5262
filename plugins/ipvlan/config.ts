// The ipvlan config: defaults, validation (code 7, naming the field), and the chained
// case: without `master`, the single interface of prevResult; without `ipam`, prevResult's
// IPs. Pure: the master and its MTU are checked by ADD and CHECK against the kernel.
import type { CmdArgs } from '../../lib/cni/plugin';
import { parseResult } from '../../lib/cni/types/convert';
import type { DNS, Result } from '../../lib/cni/types/current';
import { validate } from '../../lib/cni/validate';
import { badConf } from '../../lib/link-plugins';
import type { IpvlanFlag, IpvlanMode } from '../../lib/netlink';

export const modes: readonly IpvlanMode[] = ['l2', 'l3', 'l3s'];
export const flags: readonly IpvlanFlag[] = ['bridge', 'private', 'vepa'];

export interface IpvlanConf {
  name: string;
  cniVersion: string;
  /** '' = the default-route interface (ADD without prevResult), or unchecked (CHECK) */
  master: string;
  mode: IpvlanMode;
  /** IPVLAN_F_*: bridge (none), private, vepa */
  flag: IpvlanFlag;
  /** 0 = the master's */
  mtu: number;
  linkInContainer: boolean;
  /** '' = prevResult's IPs */
  ipamType: string;
  dns?: DNS;
  prevResult?: Result;
}

interface Raw {
  master?: string;
  mode?: string;
  flags?: string;
  mtu?: number;
  linkInContainer?: boolean;
  ipam?: { type?: string };
  dns?: DNS;
  prevResult?: unknown;
}

/** What DEL and STATUS need, checked no further than json.Unmarshal (no master resolution). */
export function loadIpamType(args: CmdArgs): string {
  return validate<Raw>('ipvlan', args.conf).ipam?.type ?? '';
}

/** The full config of ADD and CHECK (CHECK's prevResult is our own result: no chaining rules). */
export function loadConfig(args: CmdArgs): IpvlanConf {
  const raw = validate<Raw>('ipvlan', args.conf);
  const mode = raw.mode || 'l2';
  if (!(modes as readonly string[]).includes(mode)) throw badConf('mode', `unknown ipvlan mode ${JSON.stringify(mode)} (one of ${modes.join(', ')})`);
  const flag = raw.flags || 'bridge';
  if (!(flags as readonly string[]).includes(flag)) throw badConf('flags', `unknown ipvlan flag ${JSON.stringify(flag)} (one of ${flags.join(', ')})`);
  const c: IpvlanConf = {
    name: args.conf.name,
    cniVersion: args.conf.cniVersion,
    master: raw.master ?? '',
    mode: mode as IpvlanMode,
    flag: flag as IpvlanFlag,
    mtu: raw.mtu ?? 0,
    linkInContainer: raw.linkInContainer ?? false,
    ipamType: raw.ipam?.type ?? '',
  };
  if (c.mtu < 0) throw badConf('mtu', `invalid MTU ${c.mtu}, must be [0, master MTU]`);
  if (Buffer.byteLength(c.master) > 15 || /[/:\s]/.test(c.master)) throw badConf('master', `invalid interface name ${JSON.stringify(c.master)}`);
  if (raw.dns && Object.values(raw.dns).some((v) => (Array.isArray(v) ? v.length : v))) c.dns = raw.dns;
  if (raw.prevResult !== undefined && raw.prevResult !== null) c.prevResult = parseResult(raw.prevResult, c.cniVersion);
  if (args.command !== 'ADD') return c;
  const prev = c.prevResult;
  if (!c.master && prev) {
    const ifaces = prev.interfaces ?? [];
    if (ifaces.length !== 1 || !ifaces[0]?.name) throw badConf('master', 'chained master failure: prevResult lacks a single named interface');
    c.master = ifaces[0].name;
  }
  if (!c.ipamType && !prev?.ips?.length) throw badConf('ipam', 'no IPAM plugin configured and no IPs in prevResult');
  return c;
}
