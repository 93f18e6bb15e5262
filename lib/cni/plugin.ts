// What a plugin hands to the skel (lib/cni/skel.ts): one async function per verb.
import type { Result } from './types/current';

export type Verb = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';

/** The common keys of every network configuration the skel has already checked. */
export interface NetConf {
  cniVersion: string;
  name: string;
  type?: string;
  [key: string]: unknown;
}

export interface CmdArgs {
  command: Verb;
  /** empty for STATUS and GC */
  containerID: string;
  /** may be empty on DEL */
  netns: string;
  ifName: string;
  /** raw CNI_ARGS */
  args: string;
  /** CNI_PATH split on ':' */
  path: string[];
  /** the exact stdin bytes (delegates get them unchanged) */
  stdin: Buffer;
  /** stdin parsed; name and cniVersion validated */
  conf: NetConf;
  /** the full environment, for delegation */
  env: Record<string, string | undefined>;
  /** the invocation's stderr: every diagnostic line a plugin writes goes here (in daemon mode, to the shim) */
  stderr(text: string): void;
  /** plugins a delegate may run in-process (lib/cni/local.ts); absent: always exec */
  local?: LocalTable;
}

/** Plugins compiled into the running executable, and that executable's path. */
export interface LocalTable {
  plugins: readonly Plugin[];
  executable: string;
}

export interface PluginFuncs {
  add(args: CmdArgs): Promise<Result>;
  del(args: CmdArgs): Promise<void>;
  check?(args: CmdArgs): Promise<void>;
  status?(args: CmdArgs): Promise<void>;
  gc?(args: CmdArgs): Promise<void>;
}

export interface Plugin {
  name: string;
  funcs: PluginFuncs;
  /** spec versions this plugin speaks */
  versions: readonly string[];
}

/**
 * Verb functions whose module is imported on the first call. The bun build has no startup
 * snapshot, so whatever a plugin's main module imports is initialized on every exec; this
 * keeps VERSION, and the plugins not invoked, from paying for the verbs' code. (In the SEA
 * the warm-up has imported every verb module into the snapshot: the import is free there.)
 */
export function lazyFuncs(load: () => Promise<{ funcs: PluginFuncs }>): PluginFuncs {
  let funcs: Promise<PluginFuncs> | undefined;
  const get = (): Promise<PluginFuncs> => (funcs ??= load().then((m) => m.funcs));
  return {
    add: async (args) => (await get()).add(args),
    del: async (args) => (await get()).del(args),
    check: async (args) => (await get()).check?.(args),
    status: async (args) => (await get()).status?.(args),
    gc: async (args) => (await get()).gc?.(args),
  };
}
