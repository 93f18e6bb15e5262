// The ipvlan config: defaults, validation (code 7, naming the field; ranges, modes and
// flags are in ./schema.ts), and the chained case: without `master`, the single interface
// of prevResult; without `ipam`, prevResult's IPs. Pure: the master and its MTU are checked
// by ADD and CHECK against the kernel.
import { type CommonConf, badConf, checkIfName, commonConf } from '../../lib/cni/conf';
import type { CmdArgs } from '../../lib/cni/plugin';
import { validate } from '../../lib/cni/validate';
import type { IpvlanFlag, IpvlanMode } from '../../lib/netlink';
import check from './generated/validate.cjs';
import checkTypes from './generated/validate-types.cjs';

export interface IpvlanConf extends CommonConf {
  /** '' = the default-route interface (ADD without prevResult), or unchecked (CHECK) */
  master: string;
  mode: IpvlanMode;
  /** IPVLAN_F_*: bridge (none), private, vepa */
  flag: IpvlanFlag;
  /** 0 = the master's */
  mtu: number;
  linkInContainer: boolean;
}

/** What DEL and STATUS need, checked no further than json.Unmarshal (no master resolution). */
export function loadIpamType(args: CmdArgs): string {
  return validate(checkTypes, args.conf).ipam?.type ?? '';
}

/** The full config of ADD and CHECK (CHECK's prevResult is our own result: no chaining rules). */
export function loadConfig(args: CmdArgs): IpvlanConf {
  const raw = validate(check, args.conf);
  const c: IpvlanConf = {
    ...commonConf(args, raw),
    master: raw.master ?? '',
    mode: raw.mode || 'l2',
    flag: raw.flags || 'bridge',
    mtu: raw.mtu ?? 0,
    linkInContainer: raw.linkInContainer ?? false,
  };
  checkIfName('master', c.master);
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
