// The plugin runtime (what libcni's pkg/skel does): env rules, stdin, version
// checks, dispatch, and the single error boundary that prints the CNI error JSON.
import { readEnv, validateNetworkName } from './env';
import { CniError, Code, toCniError } from './errors';
import type { CmdArgs, LocalTable, NetConf, Plugin, PluginFuncs, Verb } from './plugin';
import { formatError, formatResult, formatVersionInfo } from './types/convert';
import { goQuoteList, negotiateVersion, versionAtLeast } from './types/version';

export interface IO {
  env: Record<string, string | undefined>;
  /**
   * reads all of stdin; only called for verbs that take a config. May stop once it has more
   * than `max` bytes: the config is refused then, so the rest need not be buffered.
   */
  readStdin(max?: number): Buffer;
  stdout(text: string): void;
  stderr(text: string): void;
  /** dev+inode of a netns path, to refuse the plugin's own netns (code 8); undefined if not a file */
  netnsId?(path: string): string | undefined;
  /** plugins a delegate may run in-process; only the standalone executable passes one */
  local?: LocalTable;
}

/** Runs one plugin invocation; returns the exit status. Never throws. */
export async function run(plugin: Plugin, io: IO): Promise<number> {
  try {
    const out = await dispatch(plugin, io);
    if (out !== undefined) io.stdout(out);
    return 0;
  } catch (err) {
    const e = toCniError(err);
    if (e.code === Code.InvalidEnv && !io.env['CNI_COMMAND']) {
      io.stderr(`${about(plugin)}\nCNI protocol versions supported: ${plugin.versions.join(', ')}\n`);
      return 0;
    }
    if (e.code === Code.Internal && !(err instanceof CniError) && io.env['CNI_DEBUG']) io.stderr(`${String((err as Error)?.stack)}\n`);
    io.stdout(formatError(e));
    return 1;
  }
}

// replaced by esbuild's `define` at build time
declare const __CNITS_VERSION__: string | undefined;
const suiteVersion = typeof __CNITS_VERSION__ === 'string' ? __CNITS_VERSION__ : 'dev';

export function about(plugin: Plugin): string {
  return `CNI ${plugin.name} plugin cni-ts ${suiteVersion}`;
}

/**
 * The largest network configuration taken on stdin: 1 MiB. Real configs are a few KiB; the
 * largest legitimate ones are GC's cni.dev/valid-attachments lists (~100 bytes per attachment
 * with 64-hex container IDs: 1 MiB is ~10,000 attachments on one network of one node) and
 * prevResults of many addresses. Anything bigger is a runaway generator, and parsing and
 * checking it would only delay the error; refused before JSON.parse.
 */
export const maxStdinBytes = 1 << 20;

const minVersion: Partial<Record<Verb, string>> = { CHECK: '0.4.0', GC: '1.1.0', STATUS: '1.1.0' };

async function dispatch(plugin: Plugin, io: IO): Promise<string | undefined> {
  const env = readEnv(io.env);
  const command = env['CNI_COMMAND'] as Verb;
  if (command === 'VERSION') return formatVersionInfo(plugin.versions);
  if (!['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'].includes(command)) {
    throw new CniError(Code.InvalidEnv, `unknown CNI_COMMAND: ${command}`);
  }
  let stdin: Buffer;
  try {
    stdin = io.readStdin(maxStdinBytes);
  } catch (err) {
    throw new CniError(Code.IOFailure, `error reading from stdin: ${(err as Error).message}`);
  }
  if (stdin.length > maxStdinBytes) {
    throw new CniError(Code.InvalidNetworkConfig, 'invalid network configuration', `stdin: more than ${maxStdinBytes} bytes (1 MiB), the limit of a network configuration`);
  }
  const conf = parseConf(stdin, plugin.versions);

  const min = minVersion[command];
  if (min && !versionAtLeast(conf.cniVersion, min)) {
    throw new CniError(Code.IncompatibleVersion, `config version does not allow ${command}`);
  }
  if (!plugin.versions.includes(conf.cniVersion)) {
    throw new CniError(Code.IncompatibleVersion, 'incompatible CNI versions', `config is "${conf.cniVersion}", plugin supports ${goQuoteList(plugin.versions)}`);
  }
  const args: CmdArgs = {
    command,
    containerID: env['CNI_CONTAINERID'] ?? '',
    netns: env['CNI_NETNS'] ?? '',
    ifName: env['CNI_IFNAME'] ?? '',
    args: env['CNI_ARGS'] ?? '',
    path: (env['CNI_PATH'] ?? '').split(':').filter(Boolean),
    stdin,
    conf,
    env: io.env,
    stderr: (text) => io.stderr(text),
    ...(io.local && { local: io.local }),
  };
  // Checked before the plugin acts (libcni checks after ADD/DEL already ran, so a
  // host-netns ADD leaves its work behind): never configure the plugin's own netns.
  if ((command === 'ADD' || command === 'DEL') && args.netns && !/^(1|true)$/i.test(env['CNI_NETNS_OVERRIDE'] ?? '')) {
    const target = io.netnsId?.(args.netns);
    if (target !== undefined && target === io.netnsId?.('/proc/self/ns/net')) {
      throw new CniError(Code.InvalidNetNS, "plugin's netns and netns from CNI_NETNS should not be the same");
    }
  }
  return call(plugin.funcs, args);
}

async function call(funcs: PluginFuncs, args: CmdArgs): Promise<string | undefined> {
  switch (args.command) {
    case 'ADD': {
      const result = await funcs.add(args);
      try {
        return formatResult(result, args.conf.cniVersion);
      } catch (err) {
        // e.g. an L2-only result asked for as 0.2.0: the ADD is undone, not left half-reported
        await funcs.del({ ...args, command: 'DEL' }).catch(() => undefined);
        throw err;
      }
    }
    case 'DEL':
      await funcs.del(args);
      return undefined;
    case 'CHECK':
      await funcs.check?.(args);
      return undefined;
    case 'STATUS':
      await funcs.status?.(args);
      return undefined;
    case 'GC':
      await funcs.gc?.(args);
      return undefined;
    default:
      return undefined;
  }
}

/** stdin must be a JSON object with a valid name; an empty cniVersion means 0.1.0. */
export function parseConf(stdin: Buffer, supported: readonly string[]): NetConf {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin.toString('utf8'));
  } catch (err) {
    throw new CniError(Code.DecodingFailure, `error unmarshall network config: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CniError(Code.DecodingFailure, 'error unmarshall network config: not a JSON object');
  }
  const obj = raw as Record<string, unknown>;
  if (obj['name'] !== undefined && typeof obj['name'] !== 'string') {
    throw new CniError(Code.DecodingFailure, 'error unmarshall network config: name must be a string');
  }
  validateNetworkName((obj['name'] as string | undefined) ?? '');
  if (obj['cniVersion'] !== undefined && typeof obj['cniVersion'] !== 'string') {
    throw new CniError(Code.DecodingFailure, 'decoding version from network config: cniVersion must be a string');
  }
  // A config carrying only `cniVersions` (spec 1.1.0 conflist key) gets the highest one we speak.
  const cniVersion = (obj['cniVersion'] as string | undefined) || negotiateVersion({ cniVersions: obj['cniVersions'] }, supported) || '0.1.0';
  return { ...obj, cniVersion, name: obj['name'] as string };
}
