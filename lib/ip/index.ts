// IP addresses for every plugin: one strict parser with Go's rules (./parse), the printing
// styles callers need (./format) and numeric helpers (./num). Bytes are network order:
// 4 for IPv4 text, 16 for IPv6 text.
export { type IPPrefix, mustParseCIDR, mustParseIP, parseCIDR, parseIP, parseIPOrCIDR } from './parse';
export {
  type IPFamily,
  type IPStyle,
  canonicalCIDR,
  canonicalIP,
  cidrFamily,
  formatCIDR,
  formatIP,
  ipFamily,
  isIPBytes,
  maskIP,
  networkOf,
  to4,
} from './format';
export {
  type CIDRNum,
  type IPNum,
  bitsOf,
  compareIPNum,
  formatCIDRNum,
  formatIPNum,
  fromIPNum,
  ipFromBigInt,
  ipNumEqual,
  ipToBigInt,
  maskOf,
  nextIP,
  nextIPNum,
  parseCIDRNum,
  parseIPNum,
  toIPNum,
} from './num';
