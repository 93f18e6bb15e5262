// Plugins compiled into this same executable. When a delegate found on CNI_PATH
// is this executable (a link to it), lib/cni/invoke.ts runs it in-process: one
// process start per verb instead of two, with the same env, stdin and output.
import { realpathSync } from 'node:fs';
import type { Plugin } from './plugin';

let local: readonly Plugin[] = [];
let self: string | undefined;

export function setLocalPlugins(plugins: readonly Plugin[], executable: string): void {
  local = plugins;
  self = executable;
}

/** The plugin to run in-process for `file`, if `file` resolves to this executable. */
export function localPlugin(name: string, file: string): Plugin | undefined {
  const p = local.find((x) => x.name === name);
  if (!p || !self) return undefined;
  try {
    return realpathSync(file) === realpathSync(self) ? p : undefined;
  } catch {
    return undefined;
  }
}
