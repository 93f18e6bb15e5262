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
