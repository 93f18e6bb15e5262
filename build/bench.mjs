// npm run bench: ours against the reference Go binaries (/usr/lib/cni) in the same
// hyperfine runs, printed as ratios to the reference, plus the peak RSS of one exec.
// Ours four ways: the bun build standalone (dist/bin), the Node SEA standalone (dist/sea),
// served by `cnits daemon` through dist/bin's shim (the daemon of BENCH_DAEMON: bin, the
// default, or sea), each exec'd through the plugin links as a runtime would.
// NODE_EXTRA_CA_CERTS is removed (it adds ~50 ms to every Node 20 start and is absent on
// real nodes). Needs root, npm run build, hyperfine, GNU time, containernetworking-plugins.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchNode } from './bench-node.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (b) => join(root, 'dist', b);
const ref = '/usr/lib/cni';
const runs = process.env.BENCH_RUNS ?? '30';
const daemonBuild = process.env.BENCH_DAEMON ?? 'bin';
if (process.getuid?.() !== 0) throw new Error('the bridge benchmarks create namespaces: run as root');
for (const f of [join(dist('bin'), 'host-local'), join(dist('sea'), 'host-local'), join(ref, 'host-local'), '/usr/bin/time']) {
  if (!existsSync(f)) throw new Error(`${f} missing: run npm run build; apt-get install containernetworking-plugins time`);
}
const work = mkdtempSync(join(tmpdir(), 'cnits-bench-'));
const env = { PATH: process.env.PATH, CNI_CONTAINERID: 'bench', CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/bench' };
const sh = (cmd) => execFileSync('sh', ['-c', cmd], { env, stdio: ['ignore', 'ignore', 'inherit'] });

// how each way runs a plugin: its dir and the env that picks standalone or daemon
const ways = {
  bun: { label: 'bun (standalone)', dir: dist('bin'), env: 'CNITS_DAEMON=off', tag: 'b' },
  sea: { label: 'SEA (standalone)', dir: dist('sea'), env: 'CNITS_DAEMON=off', tag: 's' },
  daemon: { label: `daemon (${daemonBuild === 'bin' ? 'bun' : 'SEA'})`, dir: dist('bin'), env: '', tag: 'd' },
  reference: { label: 'reference (Go)', dir: ref, env: '', tag: 'r' },
};
const names = Object.keys(ways);

/** Runs one hyperfine group; returns {way: meanMs}. */
function hyperfine(title, commands, extra = [], { warmup = '3', n = runs } = {}) {
  const json = join(work, 'out.json');
  const args = ['--warmup', warmup, '--runs', n, '--style', 'none', '--export-json', json, ...extra];
  for (const [name, cmd] of Object.entries(commands)) args.push('--command-name', name, cmd);
  execFileSync('hyperfine', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const res = JSON.parse(readFileSync(json, 'utf8')).results;
  console.log(`\n## ${title}\n\n| command | mean ± σ (ms) |\n|---|---|`);
  const means = {};
  for (const r of res) {
    means[r.command] = r.mean * 1000;
    console.log(`| ${ways[r.command]?.label ?? r.command} | ${(r.mean * 1000).toFixed(1)} ± ${(r.stddev * 1000).toFixed(1)} |`);
  }
  return means;
}
const byWay = (fn) => Object.fromEntries(names.map((w) => [w, fn(w)]));

/** Peak RSS (MB) of one exec of `cmd` (GNU time %M; includes children it waited for, e.g. in-process IPAM has none). */
function peakRss(cmd) {
  const out = execFileSync('sh', ['-c', `/usr/bin/time -f 'RSS %M' sh -c 'exec ${cmd}' 2>&1 >/dev/null`], { env }).toString();
  const m = /RSS (\d+)/.exec(out);
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * `cnits daemon` on a socket in the work dir, inside netns `ns` (nsenter --net: the mount
 * namespace stays ours, as the shims' will) or in this netns. Returns its stop().
 */
function startDaemon(socket, ns) {
  const cnits = join(dist(daemonBuild), 'cnits');
  const argv = [...(ns ? ['nsenter', `--net=/var/run/netns/${ns}`] : []), cnits, 'daemon', '--socket', socket];
  const log = openSync(`${socket}.log`, 'w');
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', log] });
  for (let i = 0; i < 250 && !existsSync(socket); i++) execFileSync('sleep', ['0.02']);
  if (!existsSync(socket)) throw new Error(`cnits daemon did not start: ${readFileSync(`${socket}.log`, 'utf8')}`);
  return () => {
    child.kill('SIGTERM');
    const text = readFileSync(`${socket}.log`, 'utf8');
    if (/declined/.test(text)) throw new Error(`cnits daemon declined requests: the daemon rows are not daemon numbers\n${text}`);
  };
}

/** host-local: VERSION (no shell), ADD+DEL round trips, peak RSS. */
function benchHostLocal() {
  const socket = join(work, 'host-daemon.sock');
  const stop = startDaemon(socket);
  try {
    const conf = byWay((w) => {
      const f = join(work, `hl-${w}.json`);
      writeFileSync(f, JSON.stringify({ cniVersion: '1.0.0', name: 'benchnet', type: 'bridge',
        ipam: { type: 'host-local', dataDir: join(work, `hl-data-${w}`), ranges: [[{ subnet: '10.77.0.0/16' }]] } }));
      return f;
    });
    const pre = (w) => `env ${ways[w].env} ${w === 'daemon' ? `CNITS_SOCKET=${socket}` : ''} CNI_PATH=${ways[w].dir}`;
    const verb = (v, w) => `${pre(w)} CNI_COMMAND=${v} ${ways[w].dir}/host-local < ${conf[w]}`;
    const version = hyperfine('host-local VERSION (no shell)', byWay((w) => `${pre(w)} CNI_COMMAND=VERSION ${ways[w].dir}/host-local`), ['-N']);
    const trip = hyperfine('host-local ADD+DEL round trip', byWay((w) => `${verb('ADD', w)} >/dev/null && ${verb('DEL', w)}`));
    const rss = { version: byWay((w) => peakRss(`${pre(w)} CNI_COMMAND=VERSION ${ways[w].dir}/host-local`)),
      add: byWay((w) => { const r = peakRss(verb('ADD', w)); sh(verb('DEL', w)); return r; }) };
    return { version, trip, rss };
  } finally {
    stop();
  }
}

/** bridge+host-local round trips and a parallel burst, in scratch namespaces. */
function benchBridge() {
  const ns = (n) => `cnitsbench-${n}`;
  const all = [ns('node'), ns('c'), ...Array.from({ length: 50 }, (_, i) => ns(`p${i}`))];
  const socket = join(work, 'bridge-daemon.sock');
  const conf = (w, masq) => {
    const f = join(work, `br-${w}-${masq}.json`);
    writeFileSync(f, JSON.stringify({ cniVersion: '1.0.0', name: `bench${masq ? 'm' : ''}`, type: 'bridge', bridge: `cnitsb${ways[w].tag}${masq ? 'm' : ''}0`,
      isGateway: true, ipMasq: masq, ipam: { type: 'host-local', dataDir: join(work, `br-data-${w}`),
        ranges: [[{ subnet: `10.${70 + names.indexOf(w)}.0.0/16` }]], routes: [{ dst: '0.0.0.0/0' }] } }));
    return f;
  };
  // nsenter --net, not `ip netns exec` (which makes a new mount namespace per exec, and the
  // daemon serves only shims in its own namespaces); the same for every way
  const call = (w, verb, cfg, c, id = 'bench') => {
    const extra = w === 'daemon' ? `CNITS_SOCKET=${socket}` : ways[w].env;
    return `nsenter --net=/var/run/netns/${ns('node')} env ${extra} CNI_COMMAND=${verb} CNI_CONTAINERID=${id} CNI_NETNS=/var/run/netns/${c} CNI_PATH=${ways[w].dir} ${ways[w].dir}/bridge < ${cfg}`;
  };
  let stop;
  try {
    for (const n of all) sh(`ip netns add ${n}`);
    stop = startDaemon(socket, ns('node'));
    const trip = (masq) => hyperfine(`bridge+host-local ADD+DEL${masq ? ' with ipMasq' : ''} (in a scratch node netns)`,
      byWay((w) => `${call(w, 'ADD', conf(w, masq), ns('c'))} >/dev/null && ${call(w, 'DEL', conf(w, masq), ns('c'))}`));
    const plain = trip(false);
    const masq = trip(true);
    const burst = (w, verb) => `seq 0 49 | xargs -P 8 -I{} sh -c '${call(w, verb, conf(w, false), `${ns('p')}{}`, 'par{}')} >/dev/null'`;
    const delAll = names.map((w) => burst(w, 'DEL')).join('; ');
    const par = hyperfine('bridge 50 ADDs at parallelism 8 (DELs untimed)', byWay((w) => burst(w, 'ADD')), ['--prepare', delAll], { warmup: '1', n: '5' });
    sh(delAll);
    const rss = byWay((w) => { const r = peakRss(call(w, 'ADD', conf(w, false), ns('c'))); sh(call(w, 'DEL', conf(w, false), ns('c'))); return r; });
    const kernel = JSON.parse(execFileSync('ip', ['netns', 'exec', ns('node'), process.execPath, join(root, 'build/ts-run.mjs'),
      join(root, 'build/bench-kernel.ts'), `/var/run/netns/${ns('c')}`, '20'],
    { env: { ...env, CNITS_ADDON: join(root, 'lib/native/build/Release/cnits.node') } }).toString());
    return { plain, masq, par, rss, kernel };
  } finally {
    stop?.();
    for (const n of all) execFileSync('sh', ['-c', `ip netns del ${n} 2>/dev/null || true`]);
  }
}

/**
 * bridge+portmap (iptables) ADD+DEL, as a runtime runs the chain (portmap ADD after bridge, DEL
 * before it), and portmap alone; every way in the same hyperfine runs. portmap's prevResult is
 * fixed (the IP it names does not change its work). Two mappings, IPv4.
 */
function benchPortmap() {
  const ns = (n) => `cnitsbench-pm${n}`;
  const socket = join(work, 'portmap-daemon.sock');
  const files = (w) => {
    const subnet = `10.${80 + names.indexOf(w)}.0.0/16`;
    const br = join(work, `pm-br-${w}.json`);
    const pm = join(work, `pm-${w}.json`);
    writeFileSync(br, JSON.stringify({ cniVersion: '1.0.0', name: 'benchpm', type: 'bridge', bridge: `cnitsbp${ways[w].tag}0`, isGateway: true,
      ipam: { type: 'host-local', dataDir: join(work, `pm-data-${w}`), ranges: [[{ subnet }]] } }));
    writeFileSync(pm, JSON.stringify({ cniVersion: '1.0.0', name: 'benchpm', type: 'portmap',
      runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp' }] },
      prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: `/var/run/netns/${ns('c')}` }], ips: [{ interface: 0, address: subnet.replace(/0\/16$/, '2/16') }] } }));
    return { bridge: br, portmap: pm };
  };
  const call = (w, plugin, verb, cfg) => {
    const extra = w === 'daemon' ? `CNITS_SOCKET=${socket}` : ways[w].env;
    return `nsenter --net=/var/run/netns/${ns('node')} env ${extra} CNI_COMMAND=${verb} CNI_CONTAINERID=benchpm CNI_NETNS=/var/run/netns/${ns('c')} CNI_PATH=${ways[w].dir} ${ways[w].dir}/${plugin} < ${cfg} > /dev/null`;
  };
  let stop;
  try {
    for (const n of [ns('node'), ns('c')]) sh(`ip netns add ${n}`);
    stop = startDaemon(socket, ns('node'));
    const f = byWay(files);
    const chain = hyperfine('bridge+portmap ADD+DEL (iptables, 2 mappings, in a scratch node netns)', byWay((w) =>
      [call(w, 'bridge', 'ADD', f[w].bridge), call(w, 'portmap', 'ADD', f[w].portmap), call(w, 'portmap', 'DEL', f[w].portmap), call(w, 'bridge', 'DEL', f[w].bridge)].join(' && ')));
    const alone = hyperfine('portmap ADD+DEL alone (iptables, 2 mappings)', byWay((w) => `${call(w, 'portmap', 'ADD', f[w].portmap)} && ${call(w, 'portmap', 'DEL', f[w].portmap)}`));
    return { chain, alone };
  } finally {
    stop?.();
    for (const n of [ns('node'), ns('c')]) execFileSync('sh', ['-c', `ip netns del ${n} 2>/dev/null || true`]);
  }
}

/** The ratio table: one row per group, one column per way of ours. */
function ratios(rows) {
  const ours = names.filter((w) => w !== 'reference');
  console.log(`\n## ratios to the reference (mean time; lower is better)\n\n| | ${ours.map((w) => ways[w].label).join(' | ')} | reference (ms) | goal |`);
  console.log(`|---|${ours.map(() => '---|').join('')}---|---|`);
  for (const [what, m, g] of rows) console.log(`| ${what} | ${ours.map((w) => (m[w] / m.reference).toFixed(2)).join(' | ')} | ${m.reference.toFixed(1)} | ${g} |`);
}

try {
  // BENCH_ONLY=portmap: just the portmap rows
  const only = process.env.BENCH_ONLY === 'portmap';
  const hl = only ? undefined : benchHostLocal();
  const br = only ? undefined : benchBridge();
  const pm = benchPortmap();
  const goal = { version: '≤ 2.5', bridge: '≤ 1.5', masq: '≤ 0.6', par: '≤ 1.5' };
  ratios([
    ...(hl && br ? [['host-local VERSION', hl.version, goal.version], ['host-local ADD+DEL', hl.trip, '—'],
      ['bridge+host-local ADD+DEL', br.plain, goal.bridge], ['… with ipMasq', br.masq, goal.masq],
      ['50 bridge ADDs at parallelism 8', br.par, goal.par]] : []),
    ['bridge+portmap ADD+DEL', pm.chain, '—'], ['portmap ADD+DEL alone', pm.alone, '≤ 0.5'],
  ]);
  if (hl && br) {
    console.log(`\n## peak RSS of one exec (MB; daemon: the shim's, the work runs in a worker)\n\n| | ${names.map((w) => ways[w].label).join(' | ')} | goal |`);
    console.log(`|---|${names.map(() => '---|').join('')}---|`);
    for (const [what, r] of [['host-local VERSION', hl.rss.version], ['host-local ADD', hl.rss.add], ['bridge+host-local ADD', br.rss]]) {
      console.log(`| ${what} | ${names.map((w) => r[w].toFixed(1)).join(' | ')} | ≤ 30 |`);
    }
    const nodeRuns = Number(process.env.BENCH_NODE_RUNS ?? '5');
    const agent = await benchNode({ runs: nodeRuns });
    console.log(`\n## cnits node (2 node netns, 1 etcd member; median of ${nodeRuns} cold starts)\n`);
    console.log('| backend | agent start -> first cross-node pod ping (ms) | 50 leases at once -> 50 routes (ms) | 50 leases deleted -> routes gone (ms) |');
    console.log('|---|---|---|---|');
    for (const [mode, r] of Object.entries(agent)) console.log(`| ${mode} | ${r.startToPingMs} (runs: ${r.startRuns.join(', ')}) | ${r.converge50Ms} | ${r.remove50Ms} |`);
    console.log(`\nbridge ADD in-process kernel time (netlink + sysctls, no process start): median ${br.kernel.median.toFixed(2)} ms`);
    const bunVersion = execFileSync(join(root, 'node_modules/@oven/bun-linux-x64-baseline/bin/bun'), ['--version']).toString().trim();
    console.log(`bun ${bunVersion} (baseline), node ${process.version}, ${runs} runs per command (5 for the bursts), NODE_EXTRA_CA_CERTS unset; daemon: \`${join('dist', daemonBuild, 'cnits')} daemon\`, dist/bin's shims hand it each exec`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
