// npm run bench: start-up, host-local and bridge ADD/DEL, ours (standalone, and served
// by `cnits daemon` through the shim) against the reference Go binaries and `node -e 0`
// in the same hyperfine runs, printed as ratios.
// NODE_EXTRA_CA_CERTS is removed (it adds ~50 ms to every Node 20 start and is
// absent on real nodes). Needs: npm run build, hyperfine, containernetworking-plugins, etcd-server, etcd-client.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchNode } from './bench-node.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ours = join(root, 'dist/bin');
const ref = '/usr/lib/cni';
const runs = process.env.BENCH_RUNS ?? '30';
if (process.getuid?.() !== 0) throw new Error('the bridge benchmarks create namespaces: run as root');
for (const f of [join(ours, 'host-local'), join(ref, 'host-local')]) {
  if (!existsSync(f)) throw new Error(`${f} missing: run npm run build and apt-get install containernetworking-plugins`);
}
const work = mkdtempSync(join(tmpdir(), 'cnits-bench-'));
const env = {
  PATH: process.env.PATH, CNI_CONTAINERID: 'bench', CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/bench', CNI_PATH: ours,
};

/** Runs one hyperfine group; returns {name: meanMs}. */
function hyperfine(title, commands, extra = [], { warmup = '3', n = runs } = {}) {
  // --shell=none where no redirection is needed; otherwise hyperfine subtracts its shell's start-up
  const json = join(work, 'out.json');
  const args = ['--warmup', warmup, '--runs', n, '--style', 'none', '--export-json', json, ...extra];
  for (const [name, cmd] of Object.entries(commands)) args.push('--command-name', name, cmd);
  execFileSync('hyperfine', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const res = JSON.parse(readFileSync(json, 'utf8')).results;
  console.log(`\n## ${title}\n`);
  console.log('| command | mean ± σ (ms) |');
  console.log('|---|---|');
  const means = {};
  for (const r of res) {
    means[r.command] = r.mean * 1000;
    console.log(`| ${r.command} | ${(r.mean * 1000).toFixed(1)} ± ${(r.stddev * 1000).toFixed(1)} |`);
  }
  return means;
}
const ratio = (a, b) => (a / b).toFixed(2);

/**
 * `cnits daemon` on a socket in the work dir, inside netns `ns` (nsenter --net: the mount
 * namespace stays ours, as the shims' will) or in this netns. Returns its stop().
 */
function startDaemon(socket, ns) {
  const pre = ns ? ['nsenter', `--net=/var/run/netns/${ns}`] : [];
  const log = openSync(`${socket}.log`, 'w');
  const child = spawn(pre[0] ?? join(ours, 'cnits'), [...pre.slice(1), ...(ns ? [join(ours, 'cnits')] : []), 'daemon', '--socket', socket],
    { env, stdio: ['ignore', 'ignore', log] });
  for (let i = 0; i < 250 && !existsSync(socket); i++) execFileSync('sleep', ['0.02']);
  if (!existsSync(socket)) throw new Error(`cnits daemon did not start: ${readFileSync(`${socket}.log`, 'utf8')}`);
  return () => {
    child.kill('SIGTERM');
    const text = readFileSync(`${socket}.log`, 'utf8');
    if (/declined/.test(text)) throw new Error(`cnits daemon declined requests: the daemon rows are not daemon numbers\n${text}`);
  };
}

// three ways to run a plugin: ours through the shim with a daemon, ours standalone (the
// shim execs cnits), the reference
const who = { daemon: 'ours (daemon)', standalone: 'ours (standalone)', reference: 'reference' };
const tag = { daemon: 'd', standalone: 's', reference: 'r' };
const subnet = { daemon: '10.78.0.0/16', standalone: '10.76.0.0/16', reference: '10.79.0.0/16' };

/** bridge+host-local round trips and a parallel burst, ours and the reference, in scratch namespaces. */
function benchBridge(dir) {
  const ns = (n) => `cnitsbench-${n}`;
  const sh = (cmd) => execFileSync('sh', ['-c', cmd], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const names = [ns('node'), ns('c'), ...Array.from({ length: 50 }, (_, i) => ns(`p${i}`))];
  const socket = join(dir, 'bridge-daemon.sock');
  const conf = (w, masq) => {
    const f = join(dir, `br-${w}-${masq}.json`);
    writeFileSync(f, JSON.stringify({ cniVersion: '1.0.0', name: `bench${masq ? 'm' : ''}`, type: 'bridge', bridge: `cnitsb${tag[w]}${masq ? 'm' : ''}0`,
      isGateway: true, ipMasq: masq, ipam: { type: 'host-local', dataDir: join(dir, `br-data-${w}`),
        ranges: [[{ subnet: subnet[w] }]], routes: [{ dst: '0.0.0.0/0' }] } }));
    return f;
  };
  // nsenter --net, not `ip netns exec` (which makes a new mount namespace per exec, and the
  // daemon serves only shims in its own namespaces); the same for all three
  const call = (w, verb, cfg, c, id = 'bench') => {
    const bin = w === 'reference' ? ref : ours;
    const extra = w === 'daemon' ? `CNITS_SOCKET=${socket}` : w === 'standalone' ? 'CNITS_DAEMON=off' : '';
    return `nsenter --net=/var/run/netns/${ns('node')} env ${extra} CNI_COMMAND=${verb} CNI_CONTAINERID=${id} CNI_NETNS=/var/run/netns/${c} CNI_PATH=${bin} ${bin}/bridge < ${cfg} > /dev/null`;
  };
  let stop;
  try {
    for (const n of names) sh(`ip netns add ${n}`);
    stop = startDaemon(socket, ns('node'));
    const ways = Object.keys(who);
    const trip = (masq) => hyperfine(`bridge+host-local ADD+DEL${masq ? ' with ipMasq' : ''} (in a scratch node netns)`,
      Object.fromEntries(ways.map((w) => [who[w], `${call(w, 'ADD', conf(w, masq), ns('c'))} && ${call(w, 'DEL', conf(w, masq), ns('c'))}`])));
    const plain = trip(false);
    const masq = trip(true);
    const burst = (w, verb) => `seq 0 49 | xargs -P 8 -I{} sh -c '${call(w, verb, conf(w, false), `${ns('p')}{}`, 'par{}')}'`;
    const delAll = ways.map((w) => burst(w, 'DEL')).join('; ');
    const par = hyperfine('bridge 50 ADDs at parallelism 8 (DELs untimed)',
      Object.fromEntries(ways.map((w) => [who[w], burst(w, 'ADD')])), ['--prepare', delAll], { warmup: '1', n: '5' });
    sh(delAll);
    const kernel = JSON.parse(execFileSync('ip', ['netns', 'exec', ns('node'), process.execPath, join(root, 'build/ts-run.mjs'),
      join(root, 'build/bench-kernel.ts'), `/var/run/netns/${ns('c')}`, '20'],
      { env: { ...env, CNITS_ADDON: join(root, 'lib/native/build/Release/cnits.node') } }).toString());
    console.log(`\n## bridge ADD, kernel work in-process (netlink + sysctls, L2, ${kernel.runs} runs)\n\nmedian ${kernel.median.toFixed(2)} ms, min ${kernel.min.toFixed(2)}, max ${kernel.max.toFixed(2)}`);
    return { plain, masq, par, kernel };
  } finally {
    stop?.();
    for (const n of names) execFileSync('sh', ['-c', `ip netns del ${n} 2>/dev/null || true`]);
  }
}

/**
 * bridge+portmap (iptables) ADD+DEL, as a runtime runs the chain (portmap ADD after bridge, DEL
 * before it), and portmap alone; ours and the reference in the same hyperfine runs. portmap's
 * prevResult is fixed (the IP it names does not change its work). Two mappings, IPv4.
 */
function benchPortmap(dir) {
  const ns = (n) => `cnitsbench-pm${n}`;
  const sh = (cmd) => execFileSync('sh', ['-c', cmd], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const names = [ns('node'), ns('c')];
  const socket = join(dir, 'portmap-daemon.sock');
  const files = (w) => {
    const br = join(dir, `pm-br-${w}.json`);
    const pm = join(dir, `pm-${w}.json`);
    writeFileSync(br, JSON.stringify({ cniVersion: '1.0.0', name: 'benchpm', type: 'bridge', bridge: `cnitsbp${tag[w]}0`, isGateway: true,
      ipam: { type: 'host-local', dataDir: join(dir, `pm-data-${w}`), ranges: [[{ subnet: subnet[w] }]] } }));
    const ip = subnet[w].replace(/0\/16$/, '2/16');
    writeFileSync(pm, JSON.stringify({ cniVersion: '1.0.0', name: 'benchpm', type: 'portmap',
      runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp' }] },
      prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: `/var/run/netns/${ns('c')}` }], ips: [{ interface: 0, address: ip }] } }));
    return { bridge: br, portmap: pm };
  };
  const call = (w, plugin, verb, cfg) => {
    const bin = w === 'reference' ? ref : ours;
    const extra = w === 'daemon' ? `CNITS_SOCKET=${socket}` : w === 'standalone' ? 'CNITS_DAEMON=off' : '';
    return `nsenter --net=/var/run/netns/${ns('node')} env ${extra} CNI_COMMAND=${verb} CNI_CONTAINERID=benchpm CNI_NETNS=/var/run/netns/${ns('c')} CNI_PATH=${bin} ${bin}/${plugin} < ${cfg} > /dev/null`;
  };
  let stop;
  try {
    for (const n of names) sh(`ip netns add ${n}`);
    stop = startDaemon(socket, ns('node'));
    const ways = Object.keys(who);
    const f = Object.fromEntries(ways.map((w) => [w, files(w)]));
    const chain = hyperfine('bridge+portmap ADD+DEL (iptables, 2 mappings, in a scratch node netns)', Object.fromEntries(ways.map((w) => [who[w],
      [call(w, 'bridge', 'ADD', f[w].bridge), call(w, 'portmap', 'ADD', f[w].portmap), call(w, 'portmap', 'DEL', f[w].portmap), call(w, 'bridge', 'DEL', f[w].bridge)].join(' && ')])));
    const alone = hyperfine('portmap ADD+DEL alone (iptables, 2 mappings)', Object.fromEntries(ways.map((w) => [who[w],
      `${call(w, 'portmap', 'ADD', f[w].portmap)} && ${call(w, 'portmap', 'DEL', f[w].portmap)}`])));
    return { chain, alone };
  } finally {
    stop?.();
    for (const n of names) execFileSync('sh', ['-c', `ip netns del ${n} 2>/dev/null || true`]);
  }
}

const portmapRows = (pm, row) => {
  for (const w of ['standalone', 'daemon']) {
    row(`bridge+portmap ADD+DEL ${who[w]} / reference`, pm.chain[who[w]], pm.chain[who.reference]);
    row(`portmap ADD+DEL ${who[w]} / reference`, pm.alone[who[w]], pm.alone[who.reference], '≤ 0.5');
  }
};

let stopHostDaemon;
try {
  if (process.env.BENCH_ONLY === 'portmap') {
    const pm = benchPortmap(work);
    console.log('\n## ratios\n\n| ratio | value | target |\n|---|---|---|');
    portmapRows(pm, (what, a, b, target = '—') => console.log(`| ${what} | ${ratio(a, b)} | ${target} |`));
    rmSync(work, { recursive: true, force: true });
    process.exit(0); // the other groups are not wanted
  }
  const conf = (dataDir) => JSON.stringify({ cniVersion: '1.0.0', name: 'benchnet', type: 'bridge',
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.77.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }] } });
  writeFileSync(join(work, 'ours.json'), conf(join(work, 'ours-data')));
  writeFileSync(join(work, 'daemon.json'), conf(join(work, 'daemon-data')));
  writeFileSync(join(work, 'ref.json'), conf(join(work, 'ref-data')));
  // host-local only writes files under the work dir: its daemon runs in this netns
  const socket = join(work, 'host-daemon.sock');
  stopHostDaemon = startDaemon(socket);
  const bins = {
    standalone: `env CNITS_DAEMON=off ${ours}/host-local`, daemon: `env CNITS_SOCKET=${socket} ${ours}/host-local`, reference: `${ref}/host-local`,
  };
  const cfg = { standalone: 'ours.json', daemon: 'daemon.json', reference: 'ref.json' };
  const verb = (v, w) => `CNI_COMMAND=${v} ${bins[w]} < ${join(work, cfg[w])} > /dev/null`;
  const ways = Object.keys(bins);

  const start = hyperfine('start-up (VERSION, no shell)', {
    'node -e 0': 'node -e 0',
    ...Object.fromEntries(ways.map((w) => [`${who[w]} VERSION`, `env CNI_COMMAND=VERSION ${bins[w].replace(/^env /, '')}`])),
  }, ['-N']);
  const cleanup = ways.map((w) => verb('DEL', w)).join('; ');
  const add = hyperfine('host-local ADD (DEL untimed in --prepare)', {
    [`${who.standalone} VERSION`]: verb('VERSION', 'standalone'),
    ...Object.fromEntries(ways.map((w) => [`${who[w]} ADD`, verb('ADD', w)])),
  }, ['--prepare', cleanup]);
  execFileSync('sh', ['-c', cleanup], { env });
  const trip = hyperfine('host-local ADD+DEL round trip',
    Object.fromEntries(ways.map((w) => [`${who[w]} ADD+DEL`, `${verb('ADD', w)} && ${verb('DEL', w)}`])));
  stopHostDaemon();
  stopHostDaemon = undefined;

  const br = benchBridge(work);
  const pm = benchPortmap(work);

  const row = (what, a, b, target = '—') => console.log(`| ${what} | ${ratio(a, b)} | ${target} |`);
  console.log('\n## ratios\n');
  console.log('| ratio | value | target |');
  console.log('|---|---|---|');
  row('ours VERSION (standalone) / node -e 0', start[`${who.standalone} VERSION`], start['node -e 0'], '≤ 1.2');
  row('ours VERSION (daemon) / reference VERSION', start[`${who.daemon} VERSION`], start[`${who.reference} VERSION`]);
  row('ours host-local ADD / ours VERSION (standalone)', add[`${who.standalone} ADD`], add[`${who.standalone} VERSION`], '≤ 1.3');
  for (const w of ['standalone', 'daemon']) {
    row(`host-local ADD ${who[w]} / reference`, add[`${who[w]} ADD`], add[`${who.reference} ADD`]);
    row(`host-local ADD+DEL ${who[w]} / reference`, trip[`${who[w]} ADD+DEL`], trip[`${who.reference} ADD+DEL`]);
  }
  for (const w of ['standalone', 'daemon']) {
    row(`bridge ADD+DEL ${who[w]} / reference`, br.plain[who[w]], br.plain[who.reference], '≤ 2 (stretch 1.5)');
    row(`bridge ADD+DEL with ipMasq ${who[w]} / reference`, br.masq[who[w]], br.masq[who.reference], '< 1');
    row(`bridge 50 ADDs at parallelism 8 ${who[w]} / reference`, br.par[who[w]], br.par[who.reference]);
  }
  portmapRows(pm, row);
  console.log(`| bridge ADD in-process kernel time (median ms) | ${br.kernel.median.toFixed(2)} | ≤ 3 |`);
  const nodeRuns = Number(process.env.BENCH_NODE_RUNS ?? '5');
  const agent = await benchNode({ runs: nodeRuns });
  console.log(`\n## cnits node (2 node netns, 1 etcd member; median of ${nodeRuns} cold starts)\n`);
  console.log('| backend | agent start -> first cross-node pod ping (ms) | 50 leases at once -> 50 routes (ms) | 50 leases deleted -> routes gone (ms) |');
  console.log('|---|---|---|---|');
  for (const [mode, r] of Object.entries(agent)) console.log(`| ${mode} | ${r.startToPingMs} (runs: ${r.startRuns.join(', ')}) | ${r.converge50Ms} | ${r.remove50Ms} |`);
  console.log(`\nnode ${process.version}, ${runs} runs per command, NODE_EXTRA_CA_CERTS unset; daemon rows: \`cnits daemon\` running, the plugin links (cnits-shim) hand it each exec`);
} finally {
  stopHostDaemon?.();
  rmSync(work, { recursive: true, force: true });
}
