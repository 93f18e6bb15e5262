// The firewall config: backend ('' = firewalld when it answers on D-Bus, else iptables),
// admin chain, firewalld zone (default trusted), ingress policy; the container's addresses
// from prevResult. Bad values are code 7 naming the field, before any rule is touched.
import { badConf, type CommonConf, commonConf } from '../../lib/cni/conf';
import { internal } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { validate } from '../../lib/cni/validate';
import check from './generated/validate.cjs';
import checkTypes from './generated/validate-types.cjs';

export interface FirewallConf extends CommonConf {
  backend: '' | 'iptables' | 'firewalld';
  adminChain: string;
  zone: string;
  ingressPolicy: 'open' | 'same-bridge' | 'isolated';
  /** prevResult's addresses as the host routes ("10.0.0.2/32", "fd00::2/128") */
  hosts: string[];
  /** prevResult's first interface: the bridge, for the ingress policy */
  bridge: string;
}

/** ADD and CHECK (`strict`); DEL checks the JSON types only, as it must clean up whatever ADD made. */
export function loadConfig(args: CmdArgs, strict = true): FirewallConf {
  const raw = validate(strict ? check : checkTypes, args.conf);
  const c: FirewallConf = {
    ...commonConf(args, raw),
    backend: (raw.backend ?? '') as FirewallConf['backend'],
    adminChain: raw.iptablesAdminChainName || 'CNI-ADMIN',
    zone: raw.firewalldZone || 'trusted',
    ingressPolicy: (raw.ingressPolicy || 'open') as FirewallConf['ingressPolicy'],
    hosts: [],
    bridge: '',
  };
  // iptables: at most 28 bytes, no white space, not an option
  if (strict && (Buffer.byteLength(c.adminChain) > 28 || /\s/.test(c.adminChain) || /^[-!]/.test(c.adminChain))) {
    throw badConf('iptablesAdminChainName', `invalid iptables chain name ${JSON.stringify(c.adminChain)}`);
  }
  c.hosts = (c.prevResult?.ips ?? []).map((ip) => hostRoute(ip.address));
  c.bridge = c.prevResult?.interfaces?.[0]?.name ?? '';
  return c;
}

/** ipString: the address alone, with its family's full prefix. */
function hostRoute(cidr: string): string {
  const ip = cidr.split('/')[0] ?? cidr;
  return `${ip}/${ip.includes(':') ? 128 : 32}`;
}

export function requirePrev(conf: FirewallConf): void {
  if (!conf.prevResult) throw internal('missing prevResult from earlier plugin');
}

/** The isolation policies need the bridge as prevResult's first interface. */
export function requireBridge(conf: FirewallConf): void {
  if (conf.ingressPolicy === 'open' || conf.hosts.length === 0) return;
  if (!conf.bridge) {
    throw badConf('ingressPolicy', `interface needs to be set for ingress policy "${conf.ingressPolicy}", make sure to chain "firewall" plugin with "bridge"`);
  }
}
