// The bridge config: defaults, validation (code 7, naming the field) and the MAC
// precedence CNI_ARGS MAC= < args.cni.mac < runtimeConfig.mac, shared by every verb.
import { parseCniArgs } from '../../lib/cni/args';
import { CniError, Code } from '../../lib/cni/errors';
import type { CmdArgs } from '../../lib/cni/plugin';
import { parseResult } from '../../lib/cni/types/convert';
import type { DNS, Result } from '../../lib/cni/types/current';
import { validate } from '../../lib/cni/validate';

export interface TrunkEntry { id?: number; minID?: number; maxID?: number }

export interface BridgeConf {
  name: string;
  cniVersion: string;
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  ipMasqBackend?: 'iptables' | 'nftables';
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  vlan: number;
  /** VIDs of vlanTrunk, expanded and sorted */
  trunk: number[];
  preserveDefaultVlan: boolean;
  enabledad: boolean;
  macspoofchk: boolean;
  disableContainerInterface: boolean;
  portIsolation: boolean;
  ipamType: string;
  dns?: DNS;
  mac?: string;
  prevResult?: Result;
}

type Raw = Partial<Omit<BridgeConf, 'trunk' | 'ipamType' | 'prevResult' | 'ipMasqBackend'>> & {
  ipMasqBackend?: string;
  vlanTrunk?: TrunkEntry[];
  ipam?: { type?: string };
  args?: { cni?: { mac?: string } };
  runtimeConfig?: { mac?: string };
  prevResult?: unknown;
};

const bad = (field: string, msg: string): CniError => new CniError(Code.InvalidNetworkConfig, 'invalid network configuration', `${field}: ${msg}`);
const macRe = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

export function loadConfig(args: CmdArgs): BridgeConf {
  const raw = validate<Raw>('bridge', args.conf);
  const c: BridgeConf = {
    name: args.conf.name,
    cniVersion: args.conf.cniVersion,
    bridge: raw.bridge || 'cni0',
    isGateway: (raw.isGateway ?? false) || (raw.isDefaultGateway ?? false),
    isDefaultGateway: raw.isDefaultGateway ?? false,
    forceAddress: raw.forceAddress ?? false,
    ipMasq: raw.ipMasq ?? false,
    mtu: raw.mtu ?? 0,
    hairpinMode: raw.hairpinMode ?? false,
    promiscMode: raw.promiscMode ?? false,
    vlan: raw.vlan ?? 0,
    trunk: trunkVids(raw.vlanTrunk ?? []),
    preserveDefaultVlan: raw.preserveDefaultVlan ?? false,
    enabledad: raw.enabledad ?? false,
    macspoofchk: raw.macspoofchk ?? false,
    disableContainerInterface: raw.disableContainerInterface ?? false,
    portIsolation: raw.portIsolation ?? false,
    ipamType: raw.ipam?.type ?? '',
  };
  if (Buffer.byteLength(c.bridge) > 15 || /[/:\s]/.test(c.bridge)) throw bad('bridge', `invalid bridge name ${JSON.stringify(c.bridge)}`);
  if (raw.ipMasqBackend !== undefined && raw.ipMasqBackend !== '') {
    if (raw.ipMasqBackend !== 'iptables' && raw.ipMasqBackend !== 'nftables') throw bad('ipMasqBackend', `unknown ipmasq backend ${JSON.stringify(raw.ipMasqBackend)}`);
    c.ipMasqBackend = raw.ipMasqBackend;
  }
  if (c.mtu < 0 || c.mtu > 65535) throw bad('mtu', `invalid MTU ${c.mtu}`);
  if (c.vlan < 0 || c.vlan > 4094) throw bad('vlan', `invalid VLAN ID ${c.vlan} (must be between 0 and 4094)`);
  if (c.hairpinMode && c.promiscMode) throw bad('hairpinMode', 'cannot set hairpin mode and promiscuous mode at the same time');
  if (c.disableContainerInterface && c.ipamType) throw bad('disableContainerInterface', 'cannot use IPAM when DisableContainerInterface flag is set');
  if (raw.dns && Object.values(raw.dns).some((v) => (Array.isArray(v) ? v.length : v))) c.dns = raw.dns;
  const envMac = args.args ? parseCniArgs(args.args, ['MAC'])['MAC'] : undefined;
  const mac = raw.runtimeConfig?.mac || raw.args?.cni?.mac || envMac;
  if (mac) {
    if (!macRe.test(mac)) throw bad('mac', `invalid MAC address ${JSON.stringify(mac)}`);
    c.mac = mac.toLowerCase().replaceAll('-', ':');
  }
  if (raw.prevResult !== undefined && raw.prevResult !== null) c.prevResult = parseResult(raw.prevResult, c.cniVersion);
  return c;
}

/** vlanTrunk entries to VIDs (bridge.go collectVlanTrunk). */
function trunkVids(entries: TrunkEntry[]): number[] {
  const vids = new Set<number>();
  entries.forEach((e, i) => {
    const field = `vlanTrunk[${i}]`;
    const ok = (v: number): boolean => v >= 1 && v <= 4094;
    if (e.minID !== undefined || e.maxID !== undefined) {
      if (e.minID === undefined || e.maxID === undefined) throw bad(field, 'minID and maxID should be configured simultaneously, minID is missing or maxID is missing');
      if (!ok(e.minID) || !ok(e.maxID)) throw bad(field, 'incorrect trunk minID/maxID parameter (must be between 1 and 4094)');
      if (e.minID > e.maxID) throw bad(field, 'minID is greater than maxID in trunk parameter');
      for (let v = e.minID; v <= e.maxID; v++) vids.add(v);
    }
    if (e.id !== undefined) {
      if (!ok(e.id)) throw bad(field, 'incorrect trunk id parameter (must be between 1 and 4094)');
      vids.add(e.id);
    }
  });
  return [...vids].sort((a, b) => a - b);
}
