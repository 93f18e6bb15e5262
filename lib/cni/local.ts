// In-process delegation: when a delegate found on CNI_PATH is this same executable (a
// link to it or to the cnits-shim beside it), lib/cni/invoke.ts runs it in-process: one
// process start per verb instead of two, with the same env, stdin and output. The table
// comes from whoever owns the process (the entry, a daemon worker): lib holds no registry.
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LocalTable, Plugin } from './plugin';

/**
 * The plugin to run in-process for `file`, if `file` resolves to the table's executable or
 * to the cnits-shim beside it (which would hand the work to this same code).
 */
export function localPlugin(table: LocalTable | undefined, name: string, file: string): Plugin | undefined {
  const p = table?.plugins.find((x) => x.name === name);
  if (!p || !table) return undefined;
  try {
    const target = realpathSync(file);
    const me = realpathSync(table.executable);
    return target === me || target === join(dirname(me), 'cnits-shim') ? p : undefined;
  } catch {
    return undefined;
  }
}
