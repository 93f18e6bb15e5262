// The reference refuses a config whose `sysctl` object repeats a key ("duplicated sysctl
// keys are not allowed"); JSON.parse keeps the last silently, so the raw text is scanned.
// Go matches the field name case-insensitively, so "Sysctl" counts too.

/** The first key repeated in the top-level sysctl object(s) of valid JSON text, or undefined. */
export function duplicateSysctl(text: string): string | undefined {
  let i = 0;
  const ws = (): void => { while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++; };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const skip = (): void => {
    ws();
    const ch = text[i];
    if (ch === '"') { str(); return; }
    if (ch === '{' || ch === '[') {
      let depth = 0;
      do {
        const c = text[i];
        if (c === '"') { str(); continue; }
        if (c === '{' || c === '[') depth++;
        if (c === '}' || c === ']') depth--;
        i++;
      } while (depth > 0);
      return;
    }
    while (i < text.length && !',}] \t\r\n'.includes(text[i]!)) i++;
  };
  const seen = new Set<string>();
  ws();
  if (text[i] !== '{') return undefined;
  i++;
  for (;;) {
    ws();
    if (text[i] !== '"') return undefined; // '}' : the end
    const key = str();
    ws();
    i++; // ':'
    ws();
    if (key.toLowerCase() === 'sysctl' && text[i] === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] !== '"') { i++; break; } // '}'
        const k = str();
        if (seen.has(k)) return k;
        seen.add(k);
        ws();
        i++; // ':'
        skip();
        ws();
        if (text[i] === ',') i++;
      }
    } else {
      skip();
    }
    ws();
    if (text[i] === ',') i++;
  }
}
