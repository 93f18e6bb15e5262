// Names and comments of the netfilter objects, byte-for-byte those of the reference
// (pkg/utils/utils.go, pkg/ip/ipmasq_nftables_linux.go, pkg/link/spoofcheck.go).

type HashFn = (data: string) => string;
let sha512hex: HashFn | undefined;

/**
 * node:crypto is loaded on first use only (it is not free at startup). Synchronous, so a
 * masquerade setup reaches its first spawn of iptables-restore before the caller's netlink
 * work (synchronous addon calls) and the rule writing overlaps it instead of following it.
 */
function hasher(): HashFn {
  if (!sha512hex) {
    const { createHash } = process.getBuiltinModule('node:crypto');
    sha512hex = (data) => createHash('sha512').update(data, 'utf8').digest('hex');
  }
  return sha512hex;
}

/** Go `MustFormatHashWithPrefix(length, prefix, toHash)`: prefix + hex(sha512(toHash)), cut to length. */
export function formatHashWithPrefix(length: number, prefix: string, toHash: string): string {
  if (prefix.length >= length || length > 128) throw new Error('invalid length');
  return (prefix + hasher()(toHash)).slice(0, length);
}

/** iptables chain `CNI-` + 24 hex of sha512(network + containerID) (utils.FormatChainName). */
export function chainName(network: string, containerID: string): string {
  return chainNameWithPrefix(network, containerID, '');
}

/** utils.MustFormatChainNameWithPrefix: `CNI-<prefix>` + hash, 28 chars in total. */
export function chainNameWithPrefix(network: string, containerID: string, prefix: string): string {
  return formatHashWithPrefix(28, `CNI-${prefix}`, network + containerID);
}

/** iptables rule comment `name: "<net>" id: "<cid>"` (utils.FormatComment, Go %q quoting). */
export function ruleComment(network: string, containerID: string): string {
  return `name: ${goQuote(network)} id: ${goQuote(containerID)}`;
}

/** nftables masquerade: first 16 hex of sha512(network). */
export function nftNetworkHash(network: string): string {
  return formatHashWithPrefix(16, '', network);
}

/** nftables masquerade: `<hash(net)>-<hash(ifname:cid)>`. */
export function nftInstanceHash(network: string, ifname: string, containerID: string): string {
  return `${nftNetworkHash(network)}-${formatHashWithPrefix(16, '', `${ifname}:${containerID}`)}`;
}

/** knftables.CommentLengthMax */
export const NFT_COMMENT_MAX = 128;

/** nftables masquerade rule comment, cut to 128 bytes like the reference. */
export function nftRuleComment(network: string, ifname: string, containerID: string): string {
  const strip = (s: string): string => s.replaceAll('"', '');
  const full = `${nftInstanceHash(network, ifname, containerID)}, net: ${strip(network)}, if: ${strip(ifname)}, id: ${strip(containerID)}`;
  // Go cuts at byte 128; names are ASCII in practice. Should a multi-byte character
  // straddle the cut, we drop it whole rather than store broken UTF-8.
  let out = '';
  let size = 0;
  for (const ch of full) {
    size += Buffer.byteLength(ch, 'utf8');
    if (size > NFT_COMMENT_MAX) break;
    out += ch;
  }
  return out;
}

/** spoofcheck refID: uniqueID(containerID, ifname) in bridge.go. */
export function spoofRefID(containerID: string, ifname: string): string {
  return `${containerID}-${ifname}`;
}
export const spoofIfaceChain = (containerID: string, ifname: string): string =>
  `cni-br-iface-${spoofRefID(containerID, ifname)}`;
export const spoofMacChain = (containerID: string, ifname: string): string =>
  `${spoofIfaceChain(containerID, ifname)}-mac`;
export const spoofComment = (containerID: string, ifname: string): string =>
  `macspoofchk-${spoofRefID(containerID, ifname)}`;

const SIMPLE_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
};
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go strconv.Quote (fmt %q) for well-formed strings. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const simple = SIMPLE_ESCAPES[ch];
    if (simple) out += simple;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd'; // lone surrogate: Go sees U+FFFD
    else if (PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Inverse of goQuote for what it produces; returns undefined when `s` is not such a literal. */
export function goUnquote(s: string): string | undefined {
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return undefined;
  const body = s.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') return undefined;
    if (c !== '\\') { out += c; continue; }
    const e = body[++i];
    const hex = (n: number): string | undefined => {
      const h = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) return undefined;
      i += n;
      return String.fromCodePoint(parseInt(h, 16));
    };
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\' };
    const decoded = e === undefined ? undefined
      : simple[e] ?? (e === 'x' ? hex(2) : e === 'u' ? hex(4) : e === 'U' ? hex(8) : undefined);
    if (decoded === undefined) return undefined;
    out += decoded;
  }
  return out;
}

/** Parses an iptables comment `name: "<net>" id: "<cid>"`. */
export function parseRuleComment(comment: string): { network: string; containerID: string } | undefined {
  const m = /^name: ("(?:[^"\\]|\\.)*") id: ("(?:[^"\\]|\\.)*")$/.exec(comment);
  if (!m) return undefined;
  const network = goUnquote(m[1]!);
  const containerID = goUnquote(m[2]!);
  return network === undefined || containerID === undefined ? undefined : { network, containerID };
}
