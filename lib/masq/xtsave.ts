// iptables-save / iptables-restore text: tokenizing (the restore parser's quoting rules),
// quoting, and reading the chains and rules of one table.

/** One `-A <chain> <args...>` line of iptables-save. */
export interface SavedRule {
  chain: string;
  /** the rule spec after `-A <chain>`, unquoted */
  args: string[];
}

export interface SavedTable {
  /** builtin and user chains declared with `:name policy [p:b]` */
  chains: Set<string>;
  /** rules in output order (per chain, this is the chain's order) */
  rules: SavedRule[];
}

/** Splits a line like iptables-restore does: whitespace separates, "..." quotes, \ escapes inside quotes. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let escaped = false;
  for (const ch of line) {
    if (quoted) {
      if (escaped) { cur += ch; escaped = false; } else if (ch === '\\') escaped = true;
      else if (ch === '"') { quoted = false; out.push(cur); cur = ''; } else cur += ch;
      continue;
    }
    if (ch === '"') { quoted = true; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (cur !== '') { out.push(cur); cur = ''; }
      continue;
    }
    cur += ch;
  }
  if (quoted) throw new Error(`unterminated quote in ${JSON.stringify(line)}`);
  if (cur !== '') out.push(cur);
  return out;
}

/** Quotes one argument for an iptables-restore line when it needs it (as xtables_save_string does). */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[^\s"'\\]+$/.test(arg)) return arg;
  return `"${arg.replace(/["'\\]/g, (c) => `\\${c}`)}"`;
}

/** `-A chain args...` / `-D chain args...` as a restore line. */
export function ruleLine(verb: '-A' | '-D', rule: SavedRule): string {
  return [verb, rule.chain, ...rule.args].map(quoteArg).join(' ');
}

/** Reads table `table` (default nat) of iptables-save output. An absent table reads as empty. */
export function parseSave(text: string, table = 'nat'): SavedTable {
  const result: SavedTable = { chains: new Set(), rules: [] };
  let inTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) { inTable = line.slice(1) === table; continue; }
    if (!inTable) continue;
    if (line === 'COMMIT') { inTable = false; continue; }
    if (line.startsWith(':')) {
      const name = line.slice(1).split(/\s+/)[0];
      if (name) result.chains.add(name);
      continue;
    }
    const tokens = tokenize(line);
    if (tokens[0] === '-A' && tokens[1] !== undefined) result.rules.push({ chain: tokens[1], args: tokens.slice(2) });
  }
  return result;
}

/** Value following `flag` in a rule spec (e.g. `-j`, `--comment`), first occurrence. */
export function optionValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

export function sameRule(a: SavedRule, b: SavedRule): boolean {
  return a.chain === b.chain && a.args.length === b.args.length && a.args.every((x, i) => x === b.args[i]);
}
