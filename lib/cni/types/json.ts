// A JSON writer that produces the bytes Go's encoding/json produces, so results,
// errors and VERSION answers are byte-identical to the reference plugins.
//
// Go rules reproduced here:
//  * strings: HTML-safe escaping (<, >, & -> \u003c \u003e \u0026), U+2028/U+2029 escaped,
//    \" \\ \n \r \t \b \f short escapes (Go >= 1.22; older Go wrote \u0008/\u000c), other
//    control characters as \u00xx with lowercase hex; invalid UTF-16 (lone surrogates)
//    becomes \ufffd like Go's handling of invalid UTF-8.
//  * MarshalIndent(v, "", "    "): one member per line, `"key": value`, empty {} and []
//    stay compact, no trailing newline. Encoder.Encode: compact plus "\n".
//  * object keys are written in insertion order (= Go struct field order); goSortKeys()
//    gives the order of a Go map (byte-wise sorted keys, at every level).

export type GoValue = string | number | boolean | null | GoValue[] | GoObject;
export interface GoObject {
  [key: string]: GoValue;
}

const hex = '0123456789abcdef';

export function goQuoteJSON(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26) {
        out += s[i];
        continue;
      }
      switch (c) {
        case 0x22: out += '\\"'; break;
        case 0x5c: out += '\\\\'; break;
        case 0x0a: out += '\\n'; break;
        case 0x0d: out += '\\r'; break;
        case 0x09: out += '\\t'; break;
        case 0x08: out += '\\b'; break;
        case 0x0c: out += '\\f'; break;
        default: out += '\\u00' + hex[c >> 4] + hex[c & 0xf];
      }
      continue;
    }
    if (c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else {
        out += '\\ufffd';
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\\ufffd';
    } else {
      out += s[i];
    }
  }
  return out + '"';
}

function number(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`json: unsupported value: ${n}`);
  // Go's float64 formatting switches to exponent form at the same cutoffs as JS (1e-6, 1e21)
  // and also trims the exponent ("1e-7", "1e+21"); integers print plainly.
  return Object.is(n, -0) ? '-0' : String(n);
}

function write(v: GoValue, indent: string, depth: number): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return goQuoteJSON(v);
    case 'number': return number(v);
    case 'boolean': return v ? 'true' : 'false';
  }
  const nl = indent ? '\n' + indent.repeat(depth + 1) : '';
  const end = indent ? '\n' + indent.repeat(depth) : '';
  const colon = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((x) => nl + write(x, indent, depth + 1)).join(',') + end + ']';
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return '{' + keys.map((k) => nl + goQuoteJSON(k) + colon + write(v[k]!, indent, depth + 1)).join(',') + end + '}';
}

/** json.MarshalIndent(v, "", "    "): 4-space indent, no trailing newline. */
export function goMarshalIndent(v: GoValue): string {
  return write(v, '    ', 0);
}

/** json.Marshal(v): compact, no trailing newline. */
export function goMarshal(v: GoValue): string {
  return write(v, '', 0);
}

/** json.NewEncoder(w).Encode(v): compact with a trailing newline. */
export function goEncode(v: GoValue): string {
  return write(v, '', 0) + '\n';
}

function byteCompare(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** What a round trip through Go's map[string]interface{} does: keys sorted byte-wise, at every level. */
export function goSortKeys(v: GoValue): GoValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(goSortKeys);
  const out: GoObject = {};
  for (const k of Object.keys(v).sort(byteCompare)) out[k] = goSortKeys(v[k]!);
  return out;
}

/** strconv.Quote / fmt %q, used in the reference's error messages. */
const printable = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;
const escapes: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** Go's strconv.Quote (%q of a string): printable Unicode kept, the rest escaped */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (printable.test(ch)) out += ch;
    else if (escapes[ch]) out += escapes[ch];
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

