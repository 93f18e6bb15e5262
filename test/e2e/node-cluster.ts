// A three-node cluster in scratch namespaces for `cnits node`: an underlay netns holding a
// bridge, three node netns on it (eth0 10.231.0.N/24), one member of a 3-member etcd
// cluster inside each node (ports on the underlay addresses, data in a temp dir), and an
// agent per node. Every process started here is killed by stop(); every netns by cleanupNetns.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ours, tempDir } from './helpers';
import { makeNetns, type Netns, nsExec, nsMust } from './netns';

export const hasEtcd = existsSync('/usr/bin/etcd') && existsSync('/usr/bin/etcdctl');

export interface Node {
  i: number;
  ns: Netns;
  ip: string;
  dir: string;
  etcd?: ChildProcess;
  agent?: ChildProcess;
  agentExit?: Promise<number | null>;
}

export class Cluster {
  readonly nodes: Node[] = [];
  readonly underlay: Netns;
  readonly tmp = tempDir('node');
  private readonly procs = new Set<ChildProcess>();

  constructor(prefix: string, count = 3) {
    this.underlay = makeNetns(`${prefix}-u`);
    nsMust(this.underlay, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    nsMust(this.underlay, 'ip', 'link', 'set', 'br0', 'up');
    for (let i = 1; i <= count; i++) {
      const ns = makeNetns(`${prefix}-n${i}`);
      const ip = `10.231.0.${i}`;
      nsMust(this.underlay, 'ip', 'link', 'add', `u${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name);
      nsMust(this.underlay, 'ip', 'link', 'set', `u${i}`, 'master', 'br0', 'up');
      nsMust(ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
      nsMust(ns, 'ip', 'link', 'set', 'eth0', 'up');
      nsMust(ns, 'ip', 'link', 'set', 'lo', 'up');
      const dir = join(this.tmp.path, `n${i}`);
      mkdirSync(dir);
      this.nodes.push({ i, ns, ip, dir });
    }
  }

  /** set by useTls(): etcd serves https and wants client certificates */
  tls: { ca: string; cert: string; key: string } | undefined;

  get endpoints(): string { return this.nodes.map((n) => `${this.tls ? 'https' : 'http'}://${n.ip}:2379`).join(','); }

  /** A CA, one server certificate for every node address, one client certificate (openssl). */
  useTls(): void {
    const d = join(this.tmp.path, 'pki');
    mkdirSync(d);
    const ssl = (...args: string[]): void => {
      const r = spawnSync('openssl', args, { cwd: d, encoding: 'utf8', timeout: 30_000 });
      if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
    };
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=cnitsnd-ca');
    const sans = `subjectAltName=${this.nodes.map((n) => `IP:${n.ip}`).join(',')}`;
    for (const who of ['server', 'client']) {
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=cnitsnd-${who}`);
      writeFileSync(join(d, `${who}.ext`), `${sans}\nextendedKeyUsage=${who === 'server' ? 'serverAuth,clientAuth' : 'clientAuth'}\n`);
      ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '1', '-extfile', `${who}.ext`);
    }
    this.tls = { ca: join(d, 'ca.pem'), cert: join(d, 'client.pem'), key: join(d, 'client.key') };
  }

  private start(n: Node, log: string, cmd: string[]): ChildProcess {
    // `ip netns exec` execs the command: the child's pid is the process itself
    const child = spawn('ip', ['netns', 'exec', n.ns.name, ...cmd], { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] });
    this.procs.add(child);
    child.on('exit', () => this.procs.delete(child));
    return child;
  }

  /** Starts one member per node and waits (at most 30 s) until all three are healthy. */
  async startEtcd(): Promise<void> {
    const cluster = this.nodes.map((n) => `e${n.i}=http://${n.ip}:2380`).join(',');
    for (const n of this.nodes) {
      n.etcd = this.start(n, join(n.dir, 'etcd.log'), ['etcd', '--name', `e${n.i}`, '--data-dir', join(n.dir, 'etcd'),
        '--listen-client-urls', `${this.tls ? 'https' : 'http'}://${n.ip}:2379`, '--advertise-client-urls', `${this.tls ? 'https' : 'http'}://${n.ip}:2379`,
        '--listen-peer-urls', `http://${n.ip}:2380`, '--initial-advertise-peer-urls', `http://${n.ip}:2380`,
        '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', this.underlay.name,
        '--heartbeat-interval', '50', '--election-timeout', '500',
        ...(this.tls ? ['--cert-file', join(this.tmp.path, 'pki/server.pem'), '--key-file', join(this.tmp.path, 'pki/server.key'),
          '--trusted-ca-file', this.tls.ca, '--client-cert-auth'] : [])]);
    }
    let healthy = false;
    for (const end = Date.now() + 30_000; !healthy && Date.now() < end; await new Promise((r) => setTimeout(r, 300))) {
      healthy = this.etcdctl(1, 'endpoint', 'health', '--endpoints', this.endpoints, '--dial-timeout=1s').code === 0;
    }
    if (!healthy) throw new Error(`etcd cluster not healthy: ${readFileSync(join(this.nodes[0]!.dir, 'etcd.log'), 'utf8').slice(-2000)}`);
  }

  /** etcdctl (v3 API) run inside node `i`, against the live members. */
  etcdctl(i: number, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
    const live = this.nodes.filter((n) => n.etcd && n.etcd.exitCode === null && n.etcd.signalCode === null).map((n) => `${this.tls ? 'https' : 'http'}://${n.ip}:2379`).join(',');
    const tls = this.tls ? ['--cacert', this.tls.ca, '--cert', this.tls.cert, '--key', this.tls.key] : [];
    const withEndpoints = [...tls, ...(args.includes('--endpoints') ? args : ['--endpoints', live, ...args])];
    const r = spawnSync('ip', ['netns', 'exec', this.nodes[i - 1]!.ns.name, 'etcdctl', '--command-timeout=5s', ...withEndpoints],
      { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ETCDCTL_API: '3' } });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  killEtcd(i: number): void {
    this.nodes[i - 1]!.etcd?.kill('SIGKILL');
  }

  startAgent(i: number, extra: string[] = []): void {
    const n = this.nodes[i - 1]!;
    n.agent = this.start(n, join(n.dir, 'agent.log'), [join(ours, 'cnits'), 'node', '-etcd-endpoints', this.endpoints, '-iface', 'eth0',
      '-subnet-file', join(n.dir, 'subnet.env'), '-cni-conf-dir', join(n.dir, 'net.d'), '-ip-masq',
      ...(this.tls ? ['-etcd-cafile', this.tls.ca, '-etcd-certfile', this.tls.cert, '-etcd-keyfile', this.tls.key] : []), ...extra]);
    const agent = n.agent;
    n.agentExit = new Promise((resolve) => agent.on('exit', (code) => resolve(code)));
  }

  async stopAgent(i: number): Promise<number | null> {
    const n = this.nodes[i - 1]!;
    n.agent?.kill('SIGTERM');
    return n.agentExit ?? null;
  }

  agentLog(i: number): string {
    try { return readFileSync(join(this.nodes[i - 1]!.dir, 'agent.log'), 'utf8'); } catch { return ''; }
  }

  /** Routes the agent made (proto 78) in node i, as `ip route show proto 78` prints them (without the proto). */
  agentRoutes(i: number): string[] {
    return nsExec(this.nodes[i - 1]!.ns, 'ip', 'route', 'show', 'proto', '78').stdout.split('\n').filter((l) => l.trim() !== '');
  }

  /** SIGKILL to every process still running; waits until they are gone. */
  async stop(): Promise<void> {
    const all = [...this.procs];
    await Promise.all(all.map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) { resolve(); return; }
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    })));
    this.tmp.cleanup();
  }
}
