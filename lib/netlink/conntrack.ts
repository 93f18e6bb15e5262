// ctnetlink (NETLINK_NETFILTER, subsystem CTNETLINK): deleting conntrack entries by protocol and
// original destination port, what portmap does after publishing UDP ports so that a flow that
// was tracked before the DNAT existed (and would bypass it) starts over. One dump per family;
// the reference's netlink library dumps the whole table once per port.
import { concat, decodeAttrs, nla, type NlAttr } from './codec';
import { NLA_F_NESTED } from './constants';
import { openNetlink } from './netns';

export const NETLINK_NETFILTER = 12;
const CT_NEW = (1 << 8) | 0; // NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW
const CT_GET = (1 << 8) | 1;
const CT_DELETE = (1 << 8) | 2;
const CTA_TUPLE_ORIG = 1;
const CTA_ZONE = 18;
const CTA_TUPLE_PROTO = 2;
const CTA_PROTO_NUM = 1;
const CTA_PROTO_DST_PORT = 3;

/** struct nfgenmsg: family, version 0, res_id 0 (big endian). */
const nfgen = (family: number): Uint8Array => Uint8Array.of(family, 0, 0, 0);

/** Whether an original tuple is `proto` to one of `ports`. */
function matches(tuple: NlAttr, proto: number, ports: ReadonlySet<number>): boolean {
  const p = decodeAttrs(tuple.data).find((a) => a.type === CTA_TUPLE_PROTO);
  if (!p) return false;
  const attrs = decodeAttrs(p.data);
  const num = attrs.find((a) => a.type === CTA_PROTO_NUM)?.data[0];
  const port = attrs.find((a) => a.type === CTA_PROTO_DST_PORT)?.data;
  return num === proto && port !== undefined && port.length >= 2 && ports.has((port[0]! << 8) | port[1]!);
}

/**
 * Deletes the entries of `family` (AF_INET 2, AF_INET6 10) whose original tuple is protocol
 * `proto` to one of `ports`, in the netns at `nsPath` (null: ours). Returns how many went; an
 * entry that is gone by the time we delete it is not an error.
 */
export function deleteConntrackByDstPort(family: number, proto: number, ports: readonly number[], nsPath: string | null = null): number {
  if (ports.length === 0) return 0;
  const want = new Set(ports);
  const nl = openNetlink(nsPath, { protocol: NETLINK_NETFILTER });
  try {
    let deleted = 0;
    for (const m of nl.dump(CT_GET, nfgen(family), 'list conntrack')) {
      if (m.type !== CT_NEW) continue;
      const attrs = decodeAttrs(m.payload.subarray(4));
      const orig = attrs.find((a) => a.type === CTA_TUPLE_ORIG);
      if (!orig || !matches(orig, proto, want)) continue;
      const zone = attrs.find((a) => a.type === CTA_ZONE);
      // the entry is named by its original tuple (and zone), sent back as the kernel gave it
      const body = concat([nla.raw(CTA_TUPLE_ORIG | NLA_F_NESTED, orig.data), ...(zone ? [nla.raw(CTA_ZONE, zone.data)] : [])]);
      try {
        nl.request(CT_DELETE, 0, concat([nfgen(family), body]), 'delete conntrack entry');
        deleted++;
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOENT') throw e;
      }
    }
    return deleted;
  } finally {
    nl.close();
  }
}
