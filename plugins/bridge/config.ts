// The bridge config: defaults, validation (code 7, naming the field; ranges and enums
// are in ./schema.ts) and the MAC precedence CNI_ARGS MAC= < args.cni.mac <
// runtimeConfig.mac, shared by every verb.
import { type CommonConf, badConf, checkIfName, commonConf, pickMac } from '../../lib/cni/conf';
import type { CmdArgs } from '../../lib/cni/plugin';
import { validate } from '../../lib/cni/validate';
import check from './generated/validate.cjs';
import type { TrunkEntry } from './schema';

export interface BridgeConf extends CommonConf {
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
  mac?: string;
}

const bad = badConf;

export function loadConfig(args: CmdArgs): BridgeConf {
  const raw = validate(check, args.conf);
  const c: BridgeConf = {
    ...commonConf(args, raw),
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
  };
  checkIfName('bridge', c.bridge, 'bridge name');
  if (raw.ipMasqBackend) c.ipMasqBackend = raw.ipMasqBackend;
  if (c.hairpinMode && c.promiscMode) throw bad('hairpinMode', 'cannot set hairpin mode and promiscuous mode at the same time');
  if (c.disableContainerInterface && c.ipamType) throw bad('disableContainerInterface', 'cannot use IPAM when DisableContainerInterface flag is set');
  const mac = pickMac(args, raw, { field: 'mac' });
  if (mac) c.mac = mac;
  return c;
}

/** vlanTrunk entries to VIDs (bridge.go collectVlanTrunk). */
function trunkVids(entries: TrunkEntry[]): number[] {
  const vids = new Set<number>();
  entries.forEach((t, i) => {
    const field = `vlanTrunk[${i}]`;
    const ok = (v: number): boolean => v >= 1 && v <= 4094;
    const e = { id: t.id ?? undefined, minID: t.minID ?? undefined, maxID: t.maxID ?? undefined };
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
