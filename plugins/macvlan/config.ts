// The macvlan config: defaults, validation (code 7, naming the field; ranges and modes
// are in ./schema.ts) and the MAC precedence mac < CNI_ARGS MAC= < args.cni.mac <
// runtimeConfig.mac. Pure: the master and its MTU are checked by ADD and CHECK against the kernel.
import { type CommonConf, checkIfName, commonConf, pickMac } from '../../lib/cni/conf';
import type { CmdArgs } from '../../lib/cni/plugin';
import { validate } from '../../lib/cni/validate';
import type { MacvlanMode } from '../../lib/netlink';
import check from './generated/validate.cjs';
import checkTypes from './generated/validate-types.cjs';

export interface MacvlanConf extends CommonConf {
  /** '' = the default-route interface */
  master: string;
  mode: MacvlanMode;
  /** 0 = the master's */
  mtu: number;
  mac?: string;
  linkInContainer: boolean;
  /** 0 = the kernel's default */
  bcQueueLen: number;
}

/** What DEL and STATUS need, checked no further than the reference's json.Unmarshal. */
export function loadIpamType(args: CmdArgs): string {
  return validate(checkTypes, args.conf).ipam?.type ?? '';
}

/** The full config of ADD and CHECK. */
export function loadConfig(args: CmdArgs): MacvlanConf {
  const raw = validate(check, args.conf);
  const c: MacvlanConf = {
    ...commonConf(args, raw),
    master: raw.master ?? '',
    mode: raw.mode || 'bridge',
    mtu: raw.mtu ?? 0,
    linkInContainer: raw.linkInContainer ?? false,
    bcQueueLen: raw.bcqueuelen ?? 0,
  };
  checkIfName('master', c.master);
  const mac = pickMac(args, raw, { own: raw.mac, unicast: true });
  if (mac) c.mac = mac;
  return c;
}
