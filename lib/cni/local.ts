// Plugins compiled into this same executable. When a delegate found on CNI_PATH
// is this executable (a link to it), lib/cni/invoke.ts runs it in-process: one
// process start per verb instead of two, with the same env, stdin and output.
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plugin } from './plugin';

let local: readonly Plugin[] = [];
let self: string | undefined;

export function setLocalPlugins(plugins: readonly Plugin[], executable: string): void {
  local = plugins;
  self = executable;
}

/**
 * The plugin to run in-process for `file`, if `file` resolves to this executable or
 * to the cnits-shim beside it (which would hand the work to this same code).
 */
export function localPlugin(name: string, file: string): Plugin | undefined {
  const p = local.find((x) => x.name === name);
  if (!p || !self) return undefined;
  try {
    const target = realpathSync(file);
    const me = realpathSync(self);
    return target === me || target === join(dirname(me), 'cnits-shim') ? p : undefined;
  } catch {
    return undefined;
  }
}
