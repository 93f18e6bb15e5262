// Pure netlink codec: bytes in, objects out, and back. No I/O, no sockets.
// Layouts: <linux/netlink.h> (nlmsghdr, nlattr, nlmsgerr) and <linux/rtnetlink.h>
// (ifinfomsg, ifaddrmsg, rtmsg, ndmsg). Host byte order is little-endian (x86_64, arm64).
import { formatIP, isIPBytes } from '../ip';
import { NLA_TYPE_MASK, NLMSG, NLMSGERR_ATTR, NLM_F } from './constants';

export const NLMSG_HDRLEN = 16;
export const align4 = (n: number): number => (n + 3) & ~3;

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

// ---------- nlmsghdr ----------
export interface NlMsgHdr { type: number; flags: number; seq: number; pid: number }
export interface NlMsg extends NlMsgHdr { payload: Uint8Array }

/** One message: header (length computed) + payload parts, the total padded to 4 bytes. */
export function encodeMsg(h: NlMsgHdr, ...payload: Uint8Array[]): Uint8Array {
  const body = concat(payload);
  const out = new Uint8Array(align4(NLMSG_HDRLEN + body.length));
  const v = view(out);
  v.setUint32(0, NLMSG_HDRLEN + body.length, true);
  v.setUint16(4, h.type, true);
  v.setUint16(6, h.flags, true);
  v.setUint32(8, h.seq >>> 0, true);
  v.setUint32(12, h.pid >>> 0, true);
  out.set(body, NLMSG_HDRLEN);
  return out;
}

/** The messages of one datagram. Throws on a malformed length: the kernel never sends one. */
export function decodeMsgs(buf: Uint8Array): NlMsg[] {
  const v = view(buf);
  const out: NlMsg[] = [];
  for (let off = 0; off + NLMSG_HDRLEN <= buf.length; ) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > buf.length) throw new RangeError(`malformed netlink message: length ${len} at offset ${off} of ${buf.length}`);
    out.push({
      type: v.getUint16(off + 4, true), flags: v.getUint16(off + 6, true),
      seq: v.getUint32(off + 8, true), pid: v.getUint32(off + 12, true),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

export const isDumpInterrupted = (m: NlMsgHdr): boolean => (m.flags & NLM_F.DUMP_INTR) !== 0;

// ---------- attributes (struct nlattr / rtattr: u16 len, u16 type, data, pad to 4) ----------
/** Encoders, named after the kernel's nla_put_*. `type` may carry NLA_F_NESTED. */
export const nla = {
  raw(type: number, data: Uint8Array): Uint8Array {
    const out = new Uint8Array(align4(4 + data.length));
    const v = view(out);
    v.setUint16(0, 4 + data.length, true);
    v.setUint16(2, type, true);
    out.set(data, 4);
    return out;
  },
  nest: (type: number, ...children: Uint8Array[]): Uint8Array => nla.raw(type, concat(children)),
  flag: (type: number): Uint8Array => nla.raw(type, new Uint8Array(0)),
  u8: (type: number, v: number): Uint8Array => nla.raw(type, Uint8Array.of(v)),
  u16: (type: number, v: number): Uint8Array => nla.raw(type, le(2, v)),
  u32: (type: number, v: number): Uint8Array => nla.raw(type, le(4, v)),
  s32: (type: number, v: number): Uint8Array => nla.raw(type, le(4, v >>> 0)),
  be16: (type: number, v: number): Uint8Array => nla.raw(type, Uint8Array.of(v >> 8, v & 0xff)),
  /** NUL-terminated, as the kernel itself emits strings */
  str: (type: number, s: string): Uint8Array => nla.raw(type, new TextEncoder().encode(`${s}\0`)),
};

function le(size: 2 | 4, v: number): Uint8Array {
  const out = new Uint8Array(size);
  if (size === 2) view(out).setUint16(0, v, true);
  else view(out).setUint32(0, v >>> 0, true);
  return out;
}

export interface NlAttr { type: number; /** NLA_F_NESTED / NLA_F_NET_BYTEORDER bits */ flags: number; data: Uint8Array }

/** Attributes in wire order, duplicates kept (IFLA_AF_SPEC repeats VLAN_INFO). */
export function decodeAttrs(b: Uint8Array): NlAttr[] {
  const v = view(b);
  const out: NlAttr[] = [];
  for (let off = 0; off + 4 <= b.length; ) {
    const len = v.getUint16(off, true);
    if (len < 4 || off + len > b.length) throw new RangeError(`malformed netlink attribute: length ${len} at offset ${off} of ${b.length}`);
    const raw = v.getUint16(off + 2, true);
    out.push({ type: raw & NLA_TYPE_MASK, flags: raw & ~NLA_TYPE_MASK, data: b.subarray(off + 4, off + len) });
    off += align4(len);
  }
  return out;
}

/** Typed reads over decoded attributes; the first of a type wins, as in the kernel's nla_parse. */
export class Attrs {
  readonly list: readonly NlAttr[];
  constructor(bytes: Uint8Array) { this.list = decodeAttrs(bytes); }
  get(type: number): Uint8Array | undefined { return this.list.find((a) => a.type === type)?.data; }
  all(type: number): Uint8Array[] { return this.list.filter((a) => a.type === type).map((a) => a.data); }
  has(type: number): boolean { return this.get(type) !== undefined; }
  u8(type: number): number | undefined { const d = this.get(type); return d && d.length >= 1 ? d[0] : undefined; }
  u16(type: number): number | undefined { const d = this.get(type); return d && d.length >= 2 ? view(d).getUint16(0, true) : undefined; }
  u32(type: number): number | undefined { const d = this.get(type); return d && d.length >= 4 ? view(d).getUint32(0, true) : undefined; }
  s32(type: number): number | undefined { const d = this.get(type); return d && d.length >= 4 ? view(d).getInt32(0, true) : undefined; }
  be16(type: number): number | undefined { const d = this.get(type); return d && d.length >= 2 ? view(d).getUint16(0, false) : undefined; }
  str(type: number): string | undefined { const d = this.get(type); return d && cstr(d); }
  ip(type: number): string | undefined { const d = this.get(type); return d && isIPBytes(d) ? formatIP(d, 'netlink') : undefined; }
  mac(type: number): string | undefined { const d = this.get(type); return d && formatMac(d); }
  nested(type: number): Attrs | undefined { const d = this.get(type); return d && new Attrs(d); }
}

export function cstr(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? b.subarray(0, nul) : b);
}

export const formatMac = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');

export function parseMac(text: string): Uint8Array {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(text)) throw new TypeError(`invalid MAC address: ${JSON.stringify(text)}`);
  return Uint8Array.from(text.split(/[:-]/), (h) => parseInt(h, 16));
}

// ---------- fixed headers ----------
export interface IfInfoMsg { family: number; type: number; index: number; flags: number; change: number }
export function encodeIfInfo(h: Partial<IfInfoMsg> = {}): Uint8Array {
  const out = new Uint8Array(16);
  const v = view(out);
  v.setUint8(0, h.family ?? 0);
  v.setUint16(2, h.type ?? 0, true);
  v.setInt32(4, h.index ?? 0, true);
  v.setUint32(8, (h.flags ?? 0) >>> 0, true);
  v.setUint32(12, (h.change ?? 0) >>> 0, true);
  return out;
}
export function decodeIfInfo(p: Uint8Array): IfInfoMsg {
  const v = view(need(p, 16, 'ifinfomsg'));
  return { family: v.getUint8(0), type: v.getUint16(2, true), index: v.getInt32(4, true), flags: v.getUint32(8, true), change: v.getUint32(12, true) };
}

export interface IfAddrMsg { family: number; prefixLen: number; flags: number; scope: number; index: number }
export function encodeIfAddr(h: IfAddrMsg): Uint8Array {
  const out = Uint8Array.of(h.family, h.prefixLen, h.flags & 0xff, h.scope, 0, 0, 0, 0);
  view(out).setUint32(4, h.index, true);
  return out;
}
export function decodeIfAddr(p: Uint8Array): IfAddrMsg {
  const v = view(need(p, 8, 'ifaddrmsg'));
  return { family: v.getUint8(0), prefixLen: v.getUint8(1), flags: v.getUint8(2), scope: v.getUint8(3), index: v.getUint32(4, true) };
}

export interface RtMsg { family: number; dstLen: number; srcLen: number; tos: number; table: number; protocol: number; scope: number; type: number; flags: number }
export function encodeRtMsg(h: RtMsg): Uint8Array {
  const out = Uint8Array.of(h.family, h.dstLen, h.srcLen, h.tos, h.table, h.protocol, h.scope, h.type, 0, 0, 0, 0);
  view(out).setUint32(8, h.flags >>> 0, true);
  return out;
}
export function decodeRtMsg(p: Uint8Array): RtMsg {
  const v = view(need(p, 12, 'rtmsg'));
  return {
    family: v.getUint8(0), dstLen: v.getUint8(1), srcLen: v.getUint8(2), tos: v.getUint8(3), table: v.getUint8(4),
    protocol: v.getUint8(5), scope: v.getUint8(6), type: v.getUint8(7), flags: v.getUint32(8, true),
  };
}

export interface NdMsg { family: number; index: number; state: number; flags: number; type: number }
export function encodeNdMsg(h: NdMsg): Uint8Array {
  const out = new Uint8Array(12);
  const v = view(out);
  v.setUint8(0, h.family);
  v.setInt32(4, h.index, true);
  v.setUint16(8, h.state, true);
  v.setUint8(10, h.flags);
  v.setUint8(11, h.type);
  return out;
}
export function decodeNdMsg(p: Uint8Array): NdMsg {
  const v = view(need(p, 12, 'ndmsg'));
  return { family: v.getUint8(0), index: v.getInt32(4, true), state: v.getUint16(8, true), flags: v.getUint8(10), type: v.getUint8(11) };
}

function need(p: Uint8Array, n: number, what: string): Uint8Array {
  if (p.length < n) throw new RangeError(`short ${what}: ${p.length} < ${n} bytes`);
  return p;
}

// ---------- NLMSG_ERROR (struct nlmsgerr) and NLMSG_DONE ----------
export interface NlErrorInfo {
  /** positive errno; 0 is an ACK */
  errno: number;
  /** header of the request this answers */
  request: NlMsgHdr & { len: number };
  /** the request's payload, unless NLM_F_CAPPED */
  requestPayload?: Uint8Array;
  extack?: string;
  /** offset in the request of the attribute the kernel rejected */
  badAttrOffset?: number;
}

/** Parses an NLMSG_ERROR message: errno, echoed request, extended ACK TLVs. */
export function decodeError(m: NlMsg): NlErrorInfo {
  const v = view(need(m.payload, 4 + NLMSG_HDRLEN, 'nlmsgerr'));
  const len = v.getUint32(4, true);
  const request = { len, type: v.getUint16(8, true), flags: v.getUint16(10, true), seq: v.getUint32(12, true), pid: v.getUint32(16, true) };
  const capped = (m.flags & NLM_F.CAPPED) !== 0;
  const end = capped ? 4 + NLMSG_HDRLEN : Math.min(4 + align4(len), m.payload.length);
  const info: NlErrorInfo = { errno: negate(v.getInt32(0, true)), request };
  if (!capped) info.requestPayload = m.payload.subarray(4 + NLMSG_HDRLEN, 4 + Math.min(len, m.payload.length - 4));
  if (m.flags & NLM_F.ACK_TLVS) Object.assign(info, decodeExtack(m.payload.subarray(end)));
  return info;
}

/** NLMSG_DONE of a dump carries an int error (negative) and, with NLM_F_ACK_TLVS, extack. */
export function decodeDone(m: NlMsg): { errno: number; extack?: string; badAttrOffset?: number } {
  const errno = m.payload.length >= 4 ? negate(view(m.payload).getInt32(0, true)) : 0;
  return m.flags & NLM_F.ACK_TLVS ? { errno, ...decodeExtack(m.payload.subarray(4)) } : { errno };
}

const negate = (n: number): number => (n === 0 ? 0 : -n); // no -0 for an ACK

function decodeExtack(tlvs: Uint8Array): { extack?: string; badAttrOffset?: number } {
  const a = new Attrs(tlvs);
  const out: { extack?: string; badAttrOffset?: number } = {};
  const msg = a.str(NLMSGERR_ATTR.MSG);
  const offs = a.u32(NLMSGERR_ATTR.OFFS);
  if (msg !== undefined) out.extack = msg;
  if (offs !== undefined) out.badAttrOffset = offs;
  return out;
}

/** Builds an NLMSG_ERROR the way the kernel does (netlink_ack); for fakes and fixtures. */
export function encodeError(h: NlMsgHdr, e: { errno: number; request: Uint8Array; capped?: boolean; extack?: string; badAttrOffset?: number }): Uint8Array {
  const hasTlvs = e.extack !== undefined || e.badAttrOffset !== undefined;
  const flags = h.flags | (e.capped ? NLM_F.CAPPED : 0) | (hasTlvs ? NLM_F.ACK_TLVS : 0);
  const tlvs = [
    ...(e.extack !== undefined ? [nla.str(NLMSGERR_ATTR.MSG, e.extack)] : []),
    ...(e.badAttrOffset !== undefined ? [nla.u32(NLMSGERR_ATTR.OFFS, e.badAttrOffset)] : []),
  ];
  const echoed = e.capped ? e.request.subarray(0, NLMSG_HDRLEN) : e.request;
  const padded = new Uint8Array(align4(echoed.length));
  padded.set(echoed);
  return encodeMsg({ ...h, type: NLMSG.ERROR, flags }, le(4, -e.errno), padded, ...tlvs);
}

/** Builds an NLMSG_DONE (errno 0 unless given). */
export function encodeDone(h: NlMsgHdr, errno = 0): Uint8Array {
  return encodeMsg({ ...h, type: NLMSG.DONE }, le(4, -errno));
}
