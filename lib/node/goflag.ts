// Command-line parsing as Go's `flag` package does it, so a flanneld command line (or its
// systemd unit) works unchanged: `-flag value`, `--flag value`, `-flag=value`, bare `-bool`,
// `-bool=false` (never `-bool false`: Go takes "false" as the first non-flag argument),
// parsing stops at the first non-flag argument or after `--`. Pure.

export type FlagKind = 'string' | 'bool' | 'int' | 'list';

export interface FlagDef {
  name: string;
  kind: FlagKind;
  usage: string;
  /** printed by usage(); the caller applies defaults */
  default?: string;
}

export type FlagValue = string | boolean | number | string[];

export interface Parsed {
  /** only the flags that were given (a `list` flag collects every occurrence) */
  values: Map<string, FlagValue>;
  /** arguments after the flags */
  rest: string[];
}

/** A command line Go's flag package would refuse; `message` is Go's wording. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
  constructor(message: string, readonly help = false) { super(message); }
}

/** strconv.ParseBool */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** strconv.ParseInt(s, 0, 64) for the values a flag takes: decimal, 0x, 0o/0, 0b, underscores. */
export function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[1-9][0-9_]*|0)$/.exec(s);
  if (!m) return undefined;
  let body = m[2]!.replaceAll('_', '');
  if (/^0[0-7]/.test(body)) body = `0o${body.slice(1)}`;
  const n = Number(body);
  if (!Number.isSafeInteger(n)) return undefined;
  return m[1] === '-' ? -n : n;
}

function setValue(def: FlagDef, raw: string, values: Map<string, FlagValue>): void {
  const bad = (why: string) => new FlagError(`invalid value "${raw}" for flag -${def.name}: ${why}`);
  switch (def.kind) {
    case 'string': values.set(def.name, raw); return;
    case 'list': values.set(def.name, [...(values.get(def.name) as string[] | undefined ?? []), raw]); return;
    case 'bool': {
      const b = parseGoBool(raw);
      if (b === undefined) throw bad('parse error');
      values.set(def.name, b);
      return;
    }
    case 'int': {
      const n = parseGoInt(raw);
      if (n === undefined) throw bad('parse error');
      values.set(def.name, n);
    }
  }
}

/** flag.FlagSet.Parse. Throws FlagError (help = true for -h/-help when not defined). */
export function parseGoFlags(defs: readonly FlagDef[], argv: readonly string[]): Parsed {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const values = new Map<string, FlagValue>();
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg.length < 2 || arg[0] !== '-') break;
    i++;
    let dashes = 1;
    if (arg[1] === '-') {
      dashes = 2;
      if (arg.length === 2) return { values, rest: argv.slice(i) }; // "--" ends the flags
    }
    const body = arg.slice(dashes);
    if (body.length === 0 || body[0] === '-' || body[0] === '=') throw new FlagError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const def = byName.get(name);
    if (!def) {
      if (name === 'help' || name === 'h') throw new FlagError('flag: help requested', true);
      throw new FlagError(`flag provided but not defined: -${name}`);
    }
    if (eq >= 0) { setValue(def, body.slice(eq + 1), values); continue; }
    if (def.kind === 'bool') { values.set(name, true); continue; }
    if (i >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
    setValue(def, argv[i++]!, values);
  }
  return { values, rest: argv.slice(i) };
}

/**
 * flagutil.SetFlagsFromEnv as flanneld calls it: a flag not given on the command line is
 * taken from <PREFIX>_<NAME> (upper case, '-' as '_'), e.g. FLANNELD_ETCD_ENDPOINTS.
 */
export function applyEnv(defs: readonly FlagDef[], parsed: Parsed, prefix: string, env: NodeJS.ProcessEnv): void {
  for (const def of defs) {
    if (parsed.values.has(def.name)) continue;
    const raw = env[`${prefix}_${def.name.toUpperCase().replaceAll('-', '_')}`];
    if (raw === undefined || raw === '') continue;
    try {
      setValue(def, raw, parsed.values);
    } catch (e) {
      throw new FlagError(`${prefix}_${def.name.toUpperCase().replaceAll('-', '_')}: ${(e as Error).message}`);
    }
  }
}

/** flag.PrintDefaults, roughly: one flag per entry, usage on the next line. */
export function usage(defs: readonly FlagDef[]): string {
  return defs.map((d) => {
    const arg = d.kind === 'bool' ? '' : d.kind === 'int' ? ' int' : ' string';
    const def = d.default !== undefined && d.default !== '' && d.default !== 'false' ? ` (default ${d.kind === 'string' ? JSON.stringify(d.default) : d.default})` : '';
    return `  -${d.name}${arg}\n    \t${d.usage}${def}`;
  }).join('\n');
}
