// CNI_ARGS as libcni's types.LoadArgs parses it: "K=V;K2=V2", every pair
// exactly one '=', keys matched case-sensitively against the plugin's known
// keys (plus IgnoreUnknown, which every args struct embeds), unknown keys an
// error unless IgnoreUnknown is 1/true (any case). Errors are code 999 with
// the reference's wording.
import { internal } from './errors';
import { goQuote } from './types/json';
import { goQuoteList } from './types/version';

export { goQuote };

/** Validates a known key's value; returns an error text (Go's UnmarshalText error) or undefined. */
export type ArgParser = (value: string) => string | undefined;

/** types.UnmarshallableBool */
function parseBool(value: string): boolean | string {
  const s = value.toLowerCase();
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  return `boolean unmarshal error: invalid input ${s}`;
}

/**
 * Parses raw CNI_ARGS. `known` lists the keys the plugin's args struct has
 * (IgnoreUnknown is always known); `parsers` validate their values in pair
 * order, as the reference's UnmarshalText calls do. Duplicate keys: last wins.
 */
export function parseCniArgs(
  raw: string,
  known: readonly string[],
  parsers: Readonly<Record<string, ArgParser>> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === '') return out;
  const unknown: string[] = [];
  let ignoreUnknown = false;
  for (const pair of raw.split(';')) {
    const kv = pair.split('=');
    if (kv.length !== 2) throw internal(`ARGS: invalid pair ${goQuote(pair)}`);
    const [key, value] = kv as [string, string];
    if (key === 'IgnoreUnknown') {
      const b = parseBool(value);
      if (typeof b === 'string') throw internal(`ARGS: error parsing value of pair ${goQuote(pair)}: ${b}`);
      ignoreUnknown = b;
    } else if (known.includes(key)) {
      const err = parsers[key]?.(value);
      if (err !== undefined) throw internal(`ARGS: error parsing value of pair ${goQuote(pair)}: ${err}`);
    } else {
      unknown.push(pair);
      continue;
    }
    out[key] = value;
  }
  if (unknown.length > 0 && !ignoreUnknown) throw internal(`ARGS: unknown args ${goQuoteList(unknown)}`);
  return out;
}
