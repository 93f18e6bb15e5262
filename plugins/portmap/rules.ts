// The iptables objects of the reference's portmap (portmap_iptables.go), nat table, per
// address family. Chain names, rule order and comments are the reference's byte for byte,
// so either implementation finds and removes what the other made:
//
//   PREROUTING, OUTPUT: -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
//   CNI-HOSTPORT-DNAT:  -m comment --comment "dnat name: ..." -m multiport -p tcp --destination-ports 8080,8081 -j CNI-DN-<hash>
//   CNI-DN-<hash>:      per mapping: hairpin mark, localhost mark (IPv4), DNAT
//   CNI-HOSTPORT-SETMARK: -j MARK --set-xmark <bit>;  POSTROUTING (first): -j CNI-HOSTPORT-MASQ
//   CNI-HOSTPORT-MASQ:  -m mark --mark <bit> -j MASQUERADE
import { type IPFamily, type IPPrefix, formatCIDR, formatIP } from '../../lib/ip';
import { chainNameWithPrefix } from '../../lib/masq/names';
import type { SavedRule } from '../../lib/masq/xtsave';
import { type PortMapConf, mappingsFor } from './config';

export const DNAT_TOP = 'CNI-HOSTPORT-DNAT';
export const SETMARK = 'CNI-HOSTPORT-SETMARK';
export const MASQ = 'CNI-HOSTPORT-MASQ';
/** the top chain of portmap before v0.7; DEL still removes a container's chain under it */
export const OLD_SNAT_TOP = 'CNI-HOSTPORT-SNAT';

/** `CNI-DN-` + hash of network + container ID (28 characters), the per-container chain. */
export const dnatChainName = (network: string, containerID: string): string => chainNameWithPrefix(network, containerID, 'DN-');
export const oldSnatChainName = (network: string, containerID: string): string => chainNameWithPrefix(network, containerID, 'SN-');

/** Go's `%#x/%#x` of 1 << bit. */
export function markDef(bit: number): string {
  const hex = `0x${(2 ** bit).toString(16)}`;
  return `${hex}/${hex}`;
}

/** The shared rules ADD makes sure of, as iptables-save prints them (our arguments are already in that order). */
export function sharedRules(conf: PortMapConf): { rule: SavedRule; prepend: boolean }[] {
  const out: { rule: SavedRule; prepend: boolean }[] = [];
  if (conf.snat && conf.externalSetMarkChain === undefined) {
    const mark = markDef(conf.markMasqBit);
    out.push(
      { rule: { chain: SETMARK, args: ['-m', 'comment', '--comment', 'CNI portfwd masquerade mark', '-j', 'MARK', '--set-xmark', mark] }, prepend: false },
      { rule: { chain: MASQ, args: ['-m', 'mark', '--mark', mark, '-j', 'MASQUERADE'] }, prepend: false },
      // first in POSTROUTING: bridge's and ptp's masquerade rules would otherwise take the packet
      { rule: { chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'CNI portfwd requiring masquerade', '-j', MASQ] }, prepend: true },
    );
  }
  for (const chain of ['PREROUTING', 'OUTPUT']) {
    out.push({ rule: { chain, args: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', DNAT_TOP] }, prepend: false });
  }
  return out;
}

/** The shared chains ADD creates when missing. */
export const sharedChains = (conf: PortMapConf): string[] =>
  conf.snat && conf.externalSetMarkChain === undefined ? [SETMARK, MASQ, DNAT_TOP] : [DNAT_TOP];

/** trimComment: iptables keeps at most 255 characters of a comment. */
const trimComment = (s: string): string => (s.length <= 255 ? s : `${s.slice(0, 253)}...`);

/**
 * The jumps from CNI-HOSTPORT-DNAT to the container's chain: per protocol (sorted), the host
 * ports of every mapping (hostIP family ignored, as in the reference) 15 at a time (multiport's limit).
 */
export function entryRules(conf: PortMapConf, family: IPFamily, chain: string): SavedRule[] {
  const comment = trimComment(`dnat name: "${conf.name}" id: "${conf.containerID}"`);
  const byProto = new Map<string, number[]>();
  for (const m of conf.mappings) byProto.set(m.protocol, [...(byProto.get(m.protocol) ?? []), m.hostPort]);
  const conditions = family === 6 ? conf.conditionsV6 : conf.conditionsV4;
  const out: SavedRule[] = [];
  for (const proto of [...byProto.keys()].sort()) {
    const ports = byProto.get(proto) ?? [];
    for (let i = 0; i < ports.length; i += 15) {
      out.push({ chain: DNAT_TOP, args: ['-m', 'comment', '--comment', comment, '-m', 'multiport', '-p', proto,
        '--destination-ports', ports.slice(i, i + 15).join(','), ...conditions, '-j', chain] });
    }
  }
  return out;
}

/** fillDnatRules: per mapping of this family, hairpin mark, localhost mark (IPv4 without masqAll), DNAT. */
export function chainRules(conf: PortMapConf, family: IPFamily, chain: string, addr: IPPrefix): SavedRule[] {
  const setMark = conf.externalSetMarkChain ?? SETMARK;
  const to = family === 6 ? `[${formatIP(addr.ip)}]` : formatIP(addr.ip);
  const out: SavedRule[] = [];
  for (const m of mappingsFor(conf, family)) {
    const base = ['-p', m.protocol, '--dport', String(m.hostPort), ...(m.hostIP && !m.hostUnspecified ? ['-d', m.hostIP] : [])];
    if (conf.snat) {
      const from = conf.masqAll ? (family === 6 ? '::/0' : '0.0.0.0/0') : formatCIDR(addr);
      out.push({ chain, args: [...base, '-s', from, '-j', setMark] });
      if (family === 4 && !conf.masqAll) out.push({ chain, args: [...base, '-s', '127.0.0.1', '-j', setMark] });
    }
    out.push({ chain, args: [...base, '-j', 'DNAT', '--to-destination', `${to}:${m.containerPort}`] });
  }
  return out;
}
