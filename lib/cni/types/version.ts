// CNI spec versions, their result families and libcni's version arithmetic
// (pkg/version/plugin.go ParseVersion / GreaterThanOrEqualTo).
import { Code, CniError } from '../errors';
import { goQuote } from './json';

export const allVersions = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type SpecVersion = (typeof allVersions)[number];

/** Result type families: pkg/types/020, pkg/types/040, pkg/types/100. */
export type Family = 'v020' | 'v040' | 'v100';

const families: Record<SpecVersion, Family> = {
  '0.1.0': 'v020',
  '0.2.0': 'v020',
  '0.3.0': 'v040',
  '0.3.1': 'v040',
  '0.4.0': 'v040',
  '1.0.0': 'v100',
  '1.1.0': 'v100',
};

export function isSpecVersion(v: string): v is SpecVersion {
  return Object.prototype.hasOwnProperty.call(families, v);
}

/** The result family of a version string; "" is 0.1.0 (create.DecodeVersion). Undefined if unknown. */
export function versionFamily(v: string): Family | undefined {
  if (v === '') return 'v020';
  return isSpecVersion(v) ? families[v] : undefined;
}

const maxInt64 = (1n << 63n) - 1n;
const minInt64 = -(1n << 63n);

/** strconv.Atoi with its error text. */
function atoi(s: string): number {
  const fail = (why: string) => new Error(`strconv.Atoi: parsing ${goQuote(s)}: ${why}`);
  let i = 0;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    i = 1;
  }
  if (i === s.length) throw fail('invalid syntax');
  let n = 0n;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw fail('invalid syntax');
    n = n * 10n + BigInt(c - 0x30);
    // ParseUint stops at overflow of uint64 before looking at the rest
    if (n >= 1n << 64n) throw fail('value out of range');
  }
  if (neg) n = -n;
  if (n > maxInt64 || n < minInt64) throw fail('value out of range');
  return Number(n);
}

/**
 * version.ParseVersion: "" is 0.1.0, up to three dot-separated integers, missing parts are 0.
 * Throws CniError code 6 (skel reports these as ErrDecodingFailure) with libcni's text.
 */
export function parseVersion(version: string): [number, number, number] {
  if (version === '') return [0, 1, 0];
  const parts = version.split('.');
  if (parts.length >= 4) {
    throw new CniError(Code.DecodingFailure, `invalid version ${goQuote(version)}: too many parts`);
  }
  const names = ['major', 'minor', 'micro'] as const;
  const out: [number, number, number] = [0, 0, 0];
  parts.forEach((p, i) => {
    try {
      out[i] = atoi(p);
    } catch (e) {
      throw new CniError(
        Code.DecodingFailure,
        `failed to convert ${names[i]} version part ${goQuote(p)}: ${(e as Error).message}`,
      );
    }
  });
  return out;
}

/** -1, 0 or 1 comparing major, minor, micro numerically. Throws CniError code 6 on garbage. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    if (x[i]! !== y[i]!) return x[i]! > y[i]! ? 1 : -1;
  }
  return 0;
}

/** version.GreaterThanOrEqualTo */
export function versionGreaterOrEqual(a: string, b: string): boolean {
  return compareVersions(a, b) >= 0;
}

export const versionAtLeast = versionGreaterOrEqual;

/**
 * libcni's choice for a conflist: the highest entry of `cniVersions` this side
 * supports, else `cniVersion`. Undefined when neither is usable.
 */
export function negotiateVersion(
  conf: { cniVersion?: unknown; cniVersions?: unknown },
  supported: readonly string[] = allVersions,
): string | undefined {
  if (Array.isArray(conf.cniVersions)) {
    const ok = conf.cniVersions.filter((v): v is string => typeof v === 'string' && supported.includes(v));
    ok.sort(compareVersions);
    if (ok.length) return ok[ok.length - 1];
  }
  return typeof conf.cniVersion === 'string' ? conf.cniVersion : undefined;
}

/** Go's %q of a []string: ["0.1.0" "0.2.0"] */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}
