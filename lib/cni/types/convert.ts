// Result version conversion (libcni pkg/types/{020,040,100} converters, as one static
// table), parsing of results of any version, and the exact bytes the reference prints.
import { CniError, internal, Code } from '../errors';
import { convert020To020, marshal020, type Result020 } from './020';
import { convert020To040, convert040To020, convert040To040, marshal040, type Result040 } from './040';
import { convert040To100, convert100To040, convert100To100, marshal100, marshal100Sorted } from './100';
import { currentVersion, type Result } from './current';
import { goEncode, goMarshalIndent, goQuote } from './json';
import { decodeResult } from './parse';
import { versionFamily, type Family } from './version';

export {
  allVersions,
  compareVersions,
  isSpecVersion,
  parseVersion,
  versionFamily,
  versionGreaterOrEqual,
  type Family,
  type SpecVersion,
} from './version';
export type { Result020 } from './020';
export type { Result040 } from './040';

export type AnyResult = Result | Result040 | Result020;

/** The result type of each family. */
export interface FamilyResult {
  v020: Result020;
  v040: Result040;
  v100: Result;
}

export type Converter<F extends Family, T extends Family> = (r: FamilyResult[F], toVersion: string) => FamilyResult[T];

/** Every (from, to) family pair; leaving one out is a compile error. */
export type ConverterTable = { readonly [F in Family]: { readonly [T in Family]: Converter<F, T> } };

export const converters = {
  v020: {
    v020: convert020To020,
    v040: convert020To040,
    // 100 convertFrom02x: through 0.4.0
    v100: (r, v) => convert040To100(convert020To040(r, '0.4.0'), v),
  },
  v040: {
    v020: convert040To020,
    v040: convert040To040,
    v100: convert040To100,
  },
  v100: {
    // 100 convertTo02x: through 0.4.0
    v020: (r, v) => convert040To020(convert100To040(r, '0.4.0'), v),
    v040: convert100To040,
    v100: convert100To100,
  },
} as const satisfies ConverterTable;

function familyOrThrow(from: string, to: string): [Family, Family] {
  const f = versionFamily(from);
  const t = versionFamily(to);
  if (!f || !t) throw internal(`no converter for CNI result version ${from} to ${to}`);
  return [f, t];
}

/**
 * Any typed result (its family given by its cniVersion, "" meaning 0.1.0) to `toVersion`
 * ("" meaning 0.1.0, like convert.Convert). Errors are code 999 like libcni's plain errors.
 */
export function convertAny(r: AnyResult, toVersion: string): AnyResult {
  const to = toVersion || '0.1.0';
  const [f, t] = familyOrThrow(r.cniVersion || '0.1.0', to);
  const fn = converters[f][t] as Converter<Family, Family>;
  return fn(r as FamilyResult[Family], to);
}

/**
 * A current (1.x shaped) result to `toVersion`. A missing cniVersion means 1.1.0; whatever
 * the label, the object is treated as a 1.x result.
 */
export function convertResult(r: Result, toVersion: string): AnyResult {
  const to = toVersion || '0.1.0';
  const [, t] = familyOrThrow(r.cniVersion || currentVersion, to);
  const fn = converters.v100[t] as Converter<'v100', Family>;
  return fn(r, to);
}

export interface ParsedResult {
  /** up-converted to the 1.1.0 shape, cniVersion "1.1.0" */
  result: Result;
  /** the version the input was in (after applying the fallback), to print answers in it */
  version: string;
}

function toJSONValue(json: unknown): unknown {
  if (typeof json !== 'string' && !(json instanceof Uint8Array)) return json;
  const text = typeof json === 'string' ? json : Buffer.from(json).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CniError(Code.DecodingFailure, `decoding result: ${(e as Error).message}`);
  }
}

/**
 * Parses a prevResult or a delegate's stdout (object, JSON text or bytes) of any version.
 * Like invoke.fixupResultVersion, a missing/empty/non-string "cniVersion" means
 * fallbackVersion (the config's); an empty fallback means 0.1.0.
 */
export function parseResultVersioned(json: unknown, fallbackVersion: string): ParsedResult {
  const value = toJSONValue(json);
  const own =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>).cniVersion
      : undefined;
  const version = (typeof own === 'string' && own !== '' ? own : fallbackVersion) || '0.1.0';
  const family = versionFamily(version);
  if (!family) throw new CniError(Code.DecodingFailure, `unsupported CNI result version ${goQuote(version)}`);
  const typed = decodeResult(value, family, version);
  const result = converters[family].v100(typed as never, currentVersion);
  return { result, version };
}

/** parseResultVersioned(...).result: the input as a 1.1.0 result. */
export function parseResult(json: unknown, fallbackVersion: string): Result {
  return parseResultVersioned(json, fallbackVersion).result;
}

export interface FormatOptions {
  /**
   * Print 1.0.0 the way libcni >= v1.2 does (sorted keys, empty dns omitted) instead of the
   * libcni v1.0.1 layout of Debian's reference binaries. 1.1.0 is always printed that way.
   */
  sorted100?: boolean;
}

/** Serialises an already converted result of any family the way its libcni type prints. */
export function marshalAny(r: AnyResult, opts: FormatOptions = {}): string {
  const family = versionFamily(r.cniVersion || '0.1.0');
  switch (family) {
    case 'v020':
      return goMarshalIndent(marshal020(r as Result020));
    case 'v040':
      return goMarshalIndent(marshal040(r as Result040));
    case 'v100': {
      const sorted = r.cniVersion !== '1.0.0' || opts.sorted100 === true;
      return goMarshalIndent(sorted ? marshal100Sorted(r as Result) : marshal100(r as Result));
    }
    default:
      throw internal(`no converter for CNI result version ${currentVersion} to ${r.cniVersion}`);
  }
}

/**
 * types.PrintResult(r, version): the exact stdout bytes (json.MarshalIndent with 4 spaces,
 * no trailing newline).
 */
export function formatResult(r: Result, version: string, opts: FormatOptions = {}): string {
  // libcni's convert.Convert returns a result unchanged when it already carries the version
  // asked for: a 1.x-shaped result labelled with an older version (loopback's, which builds
  // current.Result{CNIVersion: conf.CNIVersion}) prints in the 1.x shape under that label
  if (r.cniVersion === version && versionFamily(version) !== 'v100') return goMarshalIndent(marshal100(r));
  return marshalAny(convertResult(r, version), opts);
}

/** The VERSION verb's answer: compact JSON plus "\n" (json.Encoder). */
export function formatVersionInfo(supported: readonly string[], cniVersion: string = currentVersion): string {
  return goEncode({ cniVersion, supportedVersions: [...supported] });
}

/** types.Error.Print: {"code","msg","details"(omitempty)}, 4-space indent, no newline, no cniVersion. */
export function formatError(e: CniError): string {
  return goMarshalIndent(e.details ? { code: e.code, msg: e.msg, details: e.details } : { code: e.code, msg: e.msg });
}
