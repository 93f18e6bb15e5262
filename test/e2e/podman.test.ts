// A real runtime: podman 4's CNI backend runs our bridge + host-local from a plugin dir
// installed by build/install.mjs. Two containers on one network reach each other;
// stopping them leaves no lease and no masquerade rule. podman works in the
// machine's own netns, so the bridge gets a unique name and is deleted afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOCKET } from '../../lib/daemon/protocol';
import { alive } from '../../lib/daemon/server';
import { tempDir } from './helpers';
import { hasPodman, importBusybox, type Podman, podmanIn } from './podman-helpers';
const BRIDGE = 'cnitspod0';
const NET = 'cnitspod';

describe.skipIf(!hasPodman || process.getuid?.() !== 0)('podman (CNI backend) with our plugins (needs root, podman and runc: installed by .ci/run)', () => {
  let dir: ReturnType<typeof tempDir>;
  let podman: Podman;
  let unusable: string | undefined;
  beforeAll(() => {
    dir = tempDir('podman');
    const w = dir.path;
    podman = podmanIn(w);
    writeFileSync(join(w, 'net.d', `${NET}.conflist`), JSON.stringify({
      // no isGateway: it would turn on forwarding in the netns podman runs it in, the machine's own
      cniVersion: '1.0.0', name: NET, plugins: [{ type: 'bridge', bridge: BRIDGE, ipMasq: true,
        ipam: { type: 'host-local', dataDir: join(w, 'ipam'), routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.157.0.0/24' }]] } }],
    }));
    unusable = importBusybox(w, podman);
  }, 120_000);

  afterAll(() => {
    try { podman?.({}, 'rm', '-f', '-a', '-t', '0'); } catch { /* nothing running */ }
    spawnSync('ip', ['link', 'del', BRIDGE]);
    dir?.cleanup();
  });

  /** Two containers on NET reach each other; removing them leaves no rule, lease or port. */
  function twoContainers(env: Record<string, string> = {}): void {
    podman(env, 'run', '-d', '--name', 'cnitsa', '--network', NET, 'cnitsbox:latest', 'sleep', '60');
    const a = podman(env, 'inspect', 'cnitsa', '--format', `{{.NetworkSettings.Networks.${NET}.IPAddress}}`).trim();
    expect(a).toMatch(/^10\.157\.0\.\d+$/);
    const out = podman(env, 'run', '--rm', '--network', NET, 'cnitsbox:latest', 'sh', '-c',
      `ip -4 addr show eth0; ping -c 1 -W 2 ${a}`);
    expect(out).toMatch(/inet 10\.157\.0\.\d+\/24/);
    expect(out).toContain('1 packets received');
    expect(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })).toContain(`name: \\"${NET}\\" id: `);
    podman(env, 'rm', '-f', '-t', '0', 'cnitsa');
    expect(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })).not.toContain(`name: \\"${NET}\\"`);
    expect(readdirSync(join(dir.path, 'ipam', NET)).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(execFileSync('ip', ['-j', 'link', 'show', 'master', BRIDGE], { encoding: 'utf8' }).trim()).toBe('[]');
  }

  it('runs two containers that reach each other, and leaves nothing behind', (ctx) => {
    if (unusable) ctx.skip(`podman cannot run a container on this machine, whatever the network: ${unusable}`);
    twoContainers();
  }, 120_000);

  // The default socket, as on a node: podman's cleanup (`podman container cleanup`, started
  // by conmon) does not get podman's env, so only the default path reaches its DEL.
  it('does the same with cnits daemon on its default socket serving every exec', async (ctx) => {
    if (unusable) ctx.skip(`podman cannot run a container on this machine, whatever the network: ${unusable}`);
    const socket = DEFAULT_SOCKET;
    if (await alive(socket)) {
      ctx.skip(`a cnits daemon already listens on ${socket} on this machine: not ours to stop`);
    }
    const daemon = spawn(join(dir.path, 'bin', 'cnits'), ['daemon'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    daemon.stderr.on('data', (b: Buffer) => { log += b.toString(); });
    const closed = new Promise((res) => daemon.once('close', res));
    try {
      for (let i = 0; i < 100 && !log.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(log).toContain('listening');
      twoContainers();
    } finally {
      daemon.kill('SIGTERM');
      await closed;
    }
    const lines = log.split('\n').map((l) => l.replace(/^\[\d+\] /, '').replace(/ [0-9a-f]{64} /, ' <id> ').replace(/ in .*/, ''));
    expect(lines.filter((l) => l.includes('declined'))).toEqual([]);
    expect(existsSync(socket)).toBe(false); // removed on SIGTERM
    // two containers: each one ADD and one DEL (podman may add CHECKs or a second DEL)
    expect(lines.filter((l) => l === 'bridge ADD <id> eth0: exit 0')).toHaveLength(2);
    expect(lines.filter((l) => l === 'bridge DEL <id> eth0: exit 0').length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

// podman's default network chain — bridge → portmap → firewall → tuning, as podman 4 writes
// it for its CNI backend — with every plugin taken from our build (the plugin dir holds
// nothing else; loopback too), and a Docker-style published port: `-p HOSTPORT:80` to a
// busybox httpd, fetched from the host. podman works in the machine's own netns, so the
// bridge and the subnet are unique, ip_forward is put back, and our rules are gone at the end.
// In this file, not its own: files run in parallel, and the daemon test above must see only
// its own execs on the default socket.
const CHAIN_BRIDGE = 'cnitspch0';
const CHAIN_NET = 'cnitspch';
const HOST_PORT = 18931;

function fetchText(host: string, port: number): Promise<string> {
  return new Promise((ok, fail) => {
    const req = get({ host, port, path: '/index.html', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (t: string) => { body += t; });
      res.on('end', () => ok(body));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host}:${port}`)));
    req.on('error', fail);
  });
}

describe.skipIf(!hasPodman || process.getuid?.() !== 0)('podman default chain with every plugin from our build', () => {
  let dir: ReturnType<typeof tempDir>;
  let podman: Podman;
  let unusable: string | undefined;
  const forward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  // podman works in the machine's netns: the shared chains portmap and firewall leave there
  // (as the reference does) are removed afterwards if this test made them
  const shared: [string, string, string[]][] = [
    ['nat', 'CNI-HOSTPORT-DNAT', ['PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT', 'OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT']],
    ['nat', 'CNI-HOSTPORT-MASQ', ['POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ']],
    ['nat', 'CNI-HOSTPORT-SETMARK', []],
    ['filter', 'CNI-FORWARD', ['FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD']],
    ['filter', 'CNI-ADMIN', []],
  ];
  const existed = new Set<string>();

  beforeAll(() => {
    for (const cmd of ['iptables-save', 'ip6tables-save']) {
      const out = spawnSync(cmd, [], { encoding: 'utf8' }).stdout ?? '';
      for (const [, chain] of shared) if (out.includes(`:${chain} `)) existed.add(`${cmd}:${chain}`);
    }
    dir = tempDir('podchain');
    const w = dir.path;
    podman = podmanIn(w);
    writeFileSync(join(w, 'net.d', `${CHAIN_NET}.conflist`), JSON.stringify({
      cniVersion: '1.0.0', name: CHAIN_NET,
      plugins: [
        { type: 'bridge', bridge: CHAIN_BRIDGE, isGateway: true, ipMasq: true, hairpinMode: true,
          ipam: { type: 'host-local', dataDir: join(w, 'ipam'), routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.159.0.0/24', gateway: '10.159.0.1' }]] } },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'firewall' },
        { type: 'tuning' },
      ],
    }));
    unusable = importBusybox(w, podman);
  }, 120_000);

  afterAll(() => {
    try { podman?.({}, 'rm', '-f', '-a', '-t', '0'); } catch { /* nothing running */ }
    spawnSync('ip', ['link', 'del', CHAIN_BRIDGE]);
    writeFileSync('/proc/sys/net/ipv4/ip_forward', forward);
    for (const [tool, save] of [['iptables', 'iptables-save'], ['ip6tables', 'ip6tables-save']] as const) {
      for (const [table, chain, jumps] of shared) {
        if (existed.has(`${save}:${chain}`)) continue;
        for (const jump of jumps) spawnSync('sh', ['-c', `${tool} -t ${table} -D ${jump}`], { stdio: 'ignore' });
        spawnSync(tool, ['-t', table, '-F', chain], { stdio: 'ignore' });
      }
      for (const [table, chain] of shared) if (!existed.has(`${save}:${chain}`)) spawnSync(tool, ['-t', table, '-X', chain], { stdio: 'ignore' });
    }
    dir?.cleanup();
  });

  it('the plugin dir has only our build in it', () => {
    const bin = readdirSync(join(dir.path, 'bin')).filter((n) => !n.startsWith('.'));
    for (const name of ['bridge', 'host-local', 'portmap', 'firewall', 'tuning', 'loopback']) expect(bin).toContain(name);
    expect(bin.filter((n) => !/^cnits/.test(n)).every((n) => execFileSync('readlink', [join(dir.path, 'bin', n)], { encoding: 'utf8' }).trim() === 'cnits-shim')).toBe(true);
  });

  it('publishes a port: HTTP from the host reaches the container; removing it leaves no rule, lease or port', async (ctx) => {
    if (unusable) ctx.skip(`podman cannot run a container on this machine, whatever the network: ${unusable}`);
    podman({}, 'run', '-d', '--name', 'cnitsweb', '--network', CHAIN_NET, '-p', `${HOST_PORT}:80`, 'cnitsbox:latest', 'httpd', '-f', '-p', '80', '-h', '/www');
    const ip = podman({}, 'inspect', 'cnitsweb', '--format', `{{.NetworkSettings.Networks.${CHAIN_NET}.IPAddress}}`).trim();
    expect(ip).toMatch(/^10\.159\.0\.\d+$/);
    // the rules of each plugin, by their reference names
    const nat = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' });
    expect(nat).toContain('CNI-HOSTPORT-DNAT');
    expect(nat).toMatch(new RegExp(`--dport ${HOST_PORT} .*-j DNAT --to-destination ${ip.replaceAll('.', '\\.')}:80`));
    expect(execFileSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8' })).toContain(`-A CNI-FORWARD -d ${ip}/32`);
    // through the published port, addressed to the host's own address on the bridge
    let body = '';
    for (let i = 0; i < 20 && !body; i++) {
      body = await fetchText('10.159.0.1', HOST_PORT).catch(() => '');
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe('hello from cnits\n');
    // from another container on the network (hairpin through the host port)
    const out = podman({}, 'run', '--rm', '--network', CHAIN_NET, 'cnitsbox:latest', 'wget', '-q', '-O', '-', `http://10.159.0.1:${HOST_PORT}/index.html`);
    expect(out).toBe('hello from cnits\n');

    podman({}, 'rm', '-f', '-t', '0', 'cnitsweb');
    const after = execFileSync('iptables-save', [], { encoding: 'utf8' });
    expect(after).not.toContain(`:${HOST_PORT}`);
    expect(after).not.toContain(ip + '/32');
    expect(readdirSync(join(dir.path, 'ipam', CHAIN_NET)).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(execFileSync('ip', ['-j', 'link', 'show', 'master', CHAIN_BRIDGE], { encoding: 'utf8' }).trim()).toBe('[]');
  }, 120_000);
});
