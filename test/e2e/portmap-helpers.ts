// Shared by the portmap e2e files: a libcni-like chain `bridge -> portmap` in scratch
// namespaces (ADD forward with prevResult, DEL in reverse), a busybox httpd in a container,
// HTTP clients in any netns, and the netfilter state of the scratch host netns.
// Addresses: 10.154.x.0/24, fd00:154:x::/64, all inside namespaces the test made.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outcome } from './helpers';
import { cniIn, makeNetns, nsExec, pluginDir, type Json, type Netns } from './netns';

export const NET = 'pmnet';
export const BR = 'cnitspm0';
export type Backend = 'iptables' | 'nftables';

export interface Mapping { hostPort: number; containerPort: number; protocol: string; hostIP?: string }

/** One scratch node: the host netns with our bridge, and the data dir of its leases. */
export class Node {
  readonly host: Netns = makeNetns('cnitspmh');
  readonly data = mkdtempSync(join(tmpdir(), 'cnits-pm-'));
  private readonly servers: ChildProcess[] = [];

  constructor(readonly subnet4: string, readonly subnet6?: string) {
    nsExec(this.host, 'ip', 'link', 'set', 'lo', 'up'); // as on a real host: 127.0.0.1 is local
  }

  bridgeConf(): Json {
    const ranges = [[{ subnet: `${this.subnet4}.0/24` }], ...(this.subnet6 ? [[{ subnet: `${this.subnet6}::/64` }]] : [])];
    return { cniVersion: '1.0.0', name: NET, type: 'bridge', bridge: BR, isGateway: true, ipam: { type: 'host-local', dataDir: this.data, ranges } };
  }

  portmapConf(mappings: Mapping[], extra: Json = {}): Json {
    return { cniVersion: '1.0.0', name: NET, type: 'portmap', capabilities: { portMappings: true }, runtimeConfig: { portMappings: mappings }, ...extra };
  }

  /** bridge ADD (ours), then portmap ADD from `dir` with bridge's result as prevResult. */
  async add(ctr: Netns, pm: Json, dir = pluginDir): Promise<{ bridge: Json; portmap: Outcome }> {
    const br = await this.cni('bridge', 'ADD', ctr, this.bridgeConf());
    if (br.code !== 0) throw new Error(`bridge ADD: ${br.stdout}`);
    const portmap = await this.cni('portmap', 'ADD', ctr, { ...pm, prevResult: br.json }, dir);
    return { bridge: br.json, portmap };
  }

  /** portmap DEL from `dir`, then bridge DEL (reverse order). */
  async del(ctr: Netns, pm: Json, prev: Json | undefined, dir = pluginDir): Promise<Outcome> {
    const r = await this.cni('portmap', 'DEL', ctr, prev ? { ...pm, prevResult: prev } : pm, dir);
    await this.cni('bridge', 'DEL', ctr, this.bridgeConf());
    return r;
  }

  cni(name: string, command: string, ctr: Netns, conf: Json, dir = pluginDir): Promise<Outcome> {
    return cniIn(this.host, name, { command, netns: ctr.path, containerID: ctr.name, path: dir }, conf, dir);
  }

  /** busybox httpd on port `port` of `ctr`, serving `text` at /. */
  serve(ctr: Netns, text: string, port = 80): void {
    const dir = mkdtempSync(join(this.data, 'www-'));
    writeFileSync(join(dir, 'index.html'), text);
    this.servers.push(spawn('ip', ['netns', 'exec', ctr.name, 'busybox', 'httpd', '-f', '-p', String(port), '-h', dir], { stdio: 'ignore' }));
  }

  close(): void {
    for (const s of this.servers) s.kill('SIGKILL'); // only the servers this node started
    rmSync(this.data, { recursive: true, force: true });
  }
}

// busybox wget -T segfaults (busybox 1.35); without -T it can hang: curl where there is one
const client = existsSync('/usr/bin/curl') ? ['curl', '-sS', '-g', '-m', '3'] : ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-'];

/** GET http://addr:port/ from `ns` (3 s at most); the body, or undefined. */
export function httpGet(ns: Netns, addr: string, port: number): string | undefined {
  const host = addr.includes(':') ? `[${addr}]` : addr;
  for (let i = 0; i < 3; i++) {
    const r = nsExec(ns, ...client, `http://${host}:${port}/`);
    if (r.code === 0) return r.stdout;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // httpd may still be starting
  }
  return undefined;
}

/** iptables-save -t nat of both families, comments and counters stripped. */
export function natTables(ns: Netns): string {
  return ['iptables-save', 'ip6tables-save'].map((cmd) => nsExec(ns, cmd, '-t', 'nat').stdout.split('\n')
    .filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, '')).join('\n')).join('\n');
}

/** `nft list ruleset`, counters zeroed (iptables-nft rules count the packets the netns sends: IPv6 RS, DAD). */
export function nftRuleset(ns: Netns): string {
  return nsExec(ns, 'nft', 'list', 'ruleset').stdout.replace(/counter packets \d+ bytes \d+/g, 'counter');
}

export const freshCtr = (): Netns => makeNetns('cnitspmc');
