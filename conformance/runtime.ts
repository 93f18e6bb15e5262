// A container runtime's side of CNI, after libcni (libcni/api.go, pkg/invoke): finds plugins
// in CNI_PATH, negotiates the list's version with the plugins' VERSION answers, injects
// `name`, `cniVersion`, `prevResult` and `runtimeConfig` into each plugin's config, chains ADD
// forward and DEL backward, caches the final result per attachment and replays it (converted
// to the list's version) as prevResult for CHECK and DEL, and sends GC and STATUS. Plugins run
// inside the scratch host netns (`ip netns exec`), with only PATH and the CNI_* variables.
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allVersions, atLeast, cmpVersion, convertResult } from './convert';
import type { Json } from './kernel';

export type PluginConf = { type: string; capabilities?: Record<string, boolean> } & Record<string, unknown>;
export interface NetList {
  cniVersion?: string;
  cniVersions?: string[];
  name: string;
  disableCheck?: boolean;
  plugins: PluginConf[];
}
export interface Attachment {
  containerID: string;
  ifName: string;
  /** netns path; '' when the runtime no longer has one */
  netns: string;
  args?: string;
  capabilityArgs?: Record<string, unknown>;
}
export interface Exec {
  plugin: string;
  /** the executable found on CNI_PATH */
  file: string;
  command: string;
  env: Record<string, string>;
  stdin: string;
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON */
  json: unknown;
}

export class PluginError extends Error {
  constructor(readonly exec: Exec) {
    const j = exec.json as { code?: unknown; msg?: unknown } | undefined;
    const why = j && j.code !== undefined ? `code ${String(j.code)}: ${String(j.msg)}` : `exit ${exec.code}: ${(exec.stdout || exec.stderr).trim()}`;
    super(`${exec.plugin} ${exec.command} failed: ${why}`);
  }
}

export interface RuntimeOptions {
  path: string[];
  hostNs: string;
  cacheDir: string;
  timeoutMs?: number;
  /**
   * A `cnits daemon` socket in hostNs: plugins run with `nsenter --net` (same mount namespace
   * as the daemon, which `ip netns exec` would change) and CNITS_SOCKET, so the shim uses it.
   */
  daemonSocket?: string | undefined;
}

export class Runtime {
  /** every exec, in order */
  readonly log: Exec[] = [];
  private readonly supported = new Map<string, string[]>();

  constructor(readonly opts: RuntimeOptions) {}

  /** First CNI_PATH dir holding a file named `type` (invoke.FindInPath). */
  find(type: string): string {
    if (type === '' || type.includes('/')) throw new Error(`invalid plugin name ${JSON.stringify(type)}`);
    for (const d of this.opts.path) {
      const f = join(d, type);
      if (existsSync(f) && statSync(f).isFile()) return f;
    }
    throw new Error(`failed to find plugin ${JSON.stringify(type)} in path ${this.opts.path.join(':')}`);
  }

  /** The environment libcni gives a plugin (invoke.Args.AsEnv), minus the runtime's own. */
  env(command: string, a?: Attachment): Record<string, string> {
    return {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: a?.containerID ?? '',
      CNI_NETNS: a?.netns ?? '',
      CNI_ARGS: a?.args ?? '',
      CNI_IFNAME: a?.ifName ?? '',
      CNI_PATH: this.opts.path.join(':'),
    };
  }

  /** Executes plugin `type` with exactly `env` and `stdin`; never throws for a plugin error. */
  async exec(type: string, env: Record<string, string>, stdin: string): Promise<Exec> {
    const file = this.find(type);
    // execa: a timeout that kills, exactly `env` (no inheritance), stdin, and no throw on a plugin error
    const sock = this.opts.daemonSocket;
    const [cmd, args] = sock ? ['nsenter', [`--net=/var/run/netns/${this.opts.hostNs}`, file]] : ['ip', ['netns', 'exec', this.opts.hostNs, file]];
    const r = await execa(cmd, args, {
      env: sock ? { ...env, CNITS_SOCKET: sock } : env, extendEnv: false, input: stdin, reject: false, timeout: this.opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL',
      stripFinalNewline: false,
    });
    if (r.failed && r.exitCode === undefined && !r.timedOut) throw new Error(`cannot run ${file}: ${r.message}`);
    const stdout = r.stdout;
    let json: unknown;
    try { json = stdout.trim() ? JSON.parse(stdout) : undefined; } catch { json = undefined; }
    const e: Exec = { plugin: type, file, command: env['CNI_COMMAND'] ?? '', env, stdin, code: r.exitCode ?? null, stdout, stderr: r.stderr, json };
    this.log.push(e);
    return e;
  }

  /** VERSION of plugin `type`: its supportedVersions. */
  async versions(type: string): Promise<string[]> {
    const known = this.supported.get(type);
    if (known) return known;
    const e = await this.exec(type, this.env('VERSION'), '{"cniVersion":"1.1.0"}');
    const vs = (e.json as { supportedVersions?: unknown } | undefined)?.supportedVersions;
    // a plugin that does not understand VERSION is a 0.1.0 plugin (invoke.GetVersionInfo)
    const list = e.code === 0 && Array.isArray(vs) ? vs.map(String) : ['0.1.0'];
    this.supported.set(type, list);
    return list;
  }

  /** The highest version offered by the list (cniVersions + cniVersion) that every plugin of it supports. */
  async negotiate(list: NetList): Promise<string> {
    const offered = [...(list.cniVersions ?? []), ...(list.cniVersion ? [list.cniVersion] : [])]
      .filter((v) => (allVersions as readonly string[]).includes(v));
    let common = offered;
    for (const p of list.plugins) {
      const vs = await this.versions(p.type);
      common = common.filter((v) => vs.includes(v));
    }
    const best = common.sort(cmpVersion).at(-1);
    if (!best) throw new Error(`no version of [${offered.join(', ')}] is supported by every plugin of ${list.name}`);
    return best;
  }

  /** The request config of plugin `p` (libcni buildOneConfig + injectRuntimeConfig). */
  conf(list: NetList, p: PluginConf, version: string, prevResult?: Json, a?: Attachment): string {
    const out: Record<string, unknown> = { ...p, name: list.name, cniVersion: version };
    if (prevResult !== undefined) out['prevResult'] = prevResult;
    const rc: Record<string, unknown> = {};
    for (const [cap, on] of Object.entries(p.capabilities ?? {})) {
      if (on && a?.capabilityArgs && cap in a.capabilityArgs) rc[cap] = a.capabilityArgs[cap];
    }
    if (Object.keys(rc).length) out['runtimeConfig'] = rc;
    return JSON.stringify(out);
  }

  private cachePath(list: NetList, a: Attachment): string {
    return join(this.opts.cacheDir, 'results', `${list.name}-${a.containerID}-${a.ifName}`);
  }

  /** The cached final ADD result of an attachment, converted to `version`. */
  cached(list: NetList, a: Attachment, version: string): Json | undefined {
    const f = this.cachePath(list, a);
    if (!existsSync(f)) return undefined;
    const entry = JSON.parse(readFileSync(f, 'utf8')) as { result: Json };
    return convertResult(entry.result, version);
  }

  /** Forgets an attachment, as a runtime that lost its cache would. */
  forget(list: NetList, a: Attachment): void { rmSync(this.cachePath(list, a), { force: true }); }

  async add(list: NetList, a: Attachment): Promise<Json> {
    const version = await this.negotiate(list);
    let result: Json | undefined;
    for (const p of list.plugins) {
      const e = await this.exec(p.type, this.env('ADD', a), this.conf(list, p, version, result, a));
      if (e.code !== 0) throw new PluginError(e);
      if (typeof e.json !== 'object' || e.json === null) throw new Error(`${p.type} ADD printed no JSON result: ${JSON.stringify(e.stdout)}`);
      const j = e.json as Json;
      result = j.cniVersion ? j : { ...j, cniVersion: version }; // invoke.fixupResultVersion
    }
    mkdirSync(join(this.opts.cacheDir, 'results'), { recursive: true });
    const entry = { kind: 'cniCacheV1', containerId: a.containerID, ifName: a.ifName, networkName: list.name, netns: a.netns,
      config: Buffer.from(JSON.stringify(list)).toString('base64'), cniArgs: a.args ?? '', capabilityArgs: a.capabilityArgs ?? {}, result };
    writeFileSync(this.cachePath(list, a), JSON.stringify(entry));
    return result;
  }

  async check(list: NetList, a: Attachment): Promise<void> {
    const version = await this.negotiate(list);
    if (!atLeast(version, '0.4.0')) throw new Error(`configuration version "${version}" does not support the CHECK command`);
    if (list.disableCheck) return;
    const prev = this.cached(list, a, version);
    if (prev === undefined) throw new Error(`no cached result for ${list.name}-${a.containerID}-${a.ifName}`);
    for (const p of list.plugins) {
      const e = await this.exec(p.type, this.env('CHECK', a), this.conf(list, p, version, prev, a));
      if (e.code !== 0) throw new PluginError(e);
    }
  }

  async del(list: NetList, a: Attachment): Promise<void> {
    const version = await this.negotiate(list);
    const prev = atLeast(version, '0.4.0') ? this.cached(list, a, version) : undefined;
    for (const p of [...list.plugins].reverse()) {
      const e = await this.exec(p.type, this.env('DEL', a), this.conf(list, p, version, prev, a));
      if (e.code !== 0) throw new PluginError(e);
    }
    this.forget(list, a);
  }

  /** libcni GCNetworkList: DEL for cached attachments not in `valid`, then GC (≥ 1.1.0) to every plugin; errors joined. */
  async gc(list: NetList, valid: { containerID: string; ifname: string }[], version?: string): Promise<void> {
    const v = version ?? await this.negotiate(list);
    const errors: string[] = [];
    const dir = join(this.opts.cacheDir, 'results');
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { containerId: string; ifName: string; networkName: string; netns: string; cniArgs: string; capabilityArgs: Record<string, unknown> };
      if (c.networkName !== list.name || valid.some((x) => x.containerID === c.containerId && x.ifname === c.ifName)) continue;
      await this.del(list, { containerID: c.containerId, ifName: c.ifName, netns: c.netns, args: c.cniArgs, capabilityArgs: c.capabilityArgs })
        .catch((e: unknown) => errors.push(`failed to delete stale attachment ${c.containerId} ${c.ifName}: ${String(e)}`));
    }
    if (atLeast(v, '1.1.0')) {
      for (const p of list.plugins) {
        const conf = { ...p, name: list.name, cniVersion: v, 'cni.dev/valid-attachments': valid, 'cni.dev/attachments': valid };
        const e = await this.exec(p.type, this.env('GC'), JSON.stringify(conf));
        if (e.code !== 0) errors.push(new PluginError(e).message);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  /** libcni GetStatusNetworkList: STATUS to every plugin (≥ 1.1.0), stopping at the first error. */
  async status(list: NetList, version?: string): Promise<void> {
    const v = version ?? await this.negotiate(list);
    if (!atLeast(v, '1.1.0')) return;
    for (const p of list.plugins) {
      const e = await this.exec(p.type, this.env('STATUS'), JSON.stringify({ ...p, name: list.name, cniVersion: v }));
      if (e.code !== 0) throw new PluginError(e);
    }
  }
}
