// npm run bench: start-up and host-local ADD/DEL, ours against the reference Go
// binaries and `node -e 0` in the same hyperfine runs, printed as ratios.
// NODE_EXTRA_CA_CERTS is removed (it adds ~50 ms to every Node 20 start and is
// absent on real nodes). Needs: npm run build, hyperfine, containernetworking-plugins.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** bridge+host-local round trips and a parallel burst, ours and the reference, in scratch namespaces. */
function benchBridge(dir) {
  const ns = (n) => `cnitsbench-${n}`;
  const sh = (cmd) => execFileSync('sh', ['-c', cmd], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const names = [ns('node'), ns('c'), ...Array.from({ length: 50 }, (_, i) => ns(`p${i}`))];
  const conf = (who, masq) => {
    const f = join(dir, `br-${who}-${masq}.json`);
    writeFileSync(f, JSON.stringify({ cniVersion: '1.0.0', name: `bench${masq ? 'm' : ''}`, type: 'bridge', bridge: `cnitsb${who[0]}${masq ? 'm' : ''}0`,
      isGateway: true, ipMasq: masq, ipam: { type: 'host-local', dataDir: join(dir, `br-data-${who}`),
        ranges: [[{ subnet: who === 'ours' ? '10.78.0.0/16' : '10.79.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }] } }));
    return f;
  };
  const call = (who, verb, cfg, c, id = 'bench') =>
    `ip netns exec ${ns('node')} env CNI_COMMAND=${verb} CNI_CONTAINERID=${id} CNI_NETNS=/var/run/netns/${c} CNI_PATH=${who === 'ours' ? ours : ref} ${who === 'ours' ? ours : ref}/bridge < ${cfg} > /dev/null`;
  try {
    for (const n of names) sh(`ip netns add ${n}`);
    const trip = (masq) => hyperfine(`bridge+host-local ADD+DEL${masq ? ' with ipMasq' : ''} (in a scratch node netns)`,
      Object.fromEntries(['ours', 'reference'].map((who) => [who, `${call(who, 'ADD', conf(who, masq), ns('c'))} && ${call(who, 'DEL', conf(who, masq), ns('c'))}`])));
    const plain = trip(false);
    const masq = trip(true);
    const burst = (who, verb) => `seq 0 49 | xargs -P 8 -I{} sh -c '${call(who, verb, conf(who, false), `${ns('p')}{}`, 'par{}')}'`;
    const par = hyperfine('bridge 50 ADDs at parallelism 8 (DELs untimed)',
      { ours: burst('ours', 'ADD'), reference: burst('reference', 'ADD') },
      ['--prepare', `${burst('ours', 'DEL')}; ${burst('reference', 'DEL')}`], { warmup: '1', n: '5' });
    sh(`${burst('ours', 'DEL')}; ${burst('reference', 'DEL')}`);
    const kernel = JSON.parse(execFileSync('ip', ['netns', 'exec', ns('node'), process.execPath, join(root, 'build/ts-run.mjs'),
      join(root, 'build/bench-kernel.ts'), `/var/run/netns/${ns('c')}`, '20'],
      { env: { ...env, CNITS_ADDON: join(root, 'lib/native/build/Release/cnits.node') } }).toString());
    console.log(`\n## bridge ADD, kernel work in-process (netlink + sysctls, L2, ${kernel.runs} runs)\n\nmedian ${kernel.median.toFixed(2)} ms, min ${kernel.min.toFixed(2)}, max ${kernel.max.toFixed(2)}`);
    return { plain, masq, par, kernel };
  } finally {
    for (const n of names) execFileSync('sh', ['-c', `ip netns del ${n} 2>/dev/null || true`]);
  }
}

try {
  const conf = (dataDir) => JSON.stringify({ cniVersion: '1.0.0', name: 'benchnet', type: 'bridge',
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.77.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }] } });
  writeFileSync(join(work, 'ours.json'), conf(join(work, 'ours-data')));
  writeFileSync(join(work, 'ref.json'), conf(join(work, 'ref-data')));
  const verb = (v, bin, cfg) => `CNI_COMMAND=${v} ${bin} < ${join(work, cfg)} > /dev/null`;

  const start = hyperfine('start-up (VERSION, no shell)', {
    'node -e 0': 'node -e 0',
    'ours VERSION': `env CNI_COMMAND=VERSION ${ours}/host-local`,
    'reference VERSION': `env CNI_COMMAND=VERSION ${ref}/host-local`,
  }, ['-N']);
  const add = hyperfine('host-local ADD (DEL untimed in --prepare)', {
    'ours VERSION': verb('VERSION', `${ours}/host-local`, 'ours.json'),
    'ours ADD': verb('ADD', `${ours}/host-local`, 'ours.json'),
    'reference ADD': verb('ADD', `${ref}/host-local`, 'ref.json'),
  }, ['--prepare', `${verb('DEL', `${ours}/host-local`, 'ours.json')}; ${verb('DEL', `${ref}/host-local`, 'ref.json')}`]);

  const cleanup = `${verb('DEL', `${ours}/host-local`, 'ours.json')}; ${verb('DEL', `${ref}/host-local`, 'ref.json')}`;
  execFileSync('sh', ['-c', cleanup], { env });
  const trip = hyperfine('host-local ADD+DEL round trip', {
    'ours ADD+DEL': `${verb('ADD', `${ours}/host-local`, 'ours.json')} && ${verb('DEL', `${ours}/host-local`, 'ours.json')}`,
    'reference ADD+DEL': `${verb('ADD', `${ref}/host-local`, 'ref.json')} && ${verb('DEL', `${ref}/host-local`, 'ref.json')}`,
  });

  const br = benchBridge(work);

  console.log('\n## ratios\n');
  console.log('| ratio | value | target |');
  console.log('|---|---|---|');
  console.log(`| ours VERSION / node -e 0 | ${ratio(start['ours VERSION'], start['node -e 0'])} | ≤ 1.2 |`);
  console.log(`| ours VERSION / reference VERSION | ${ratio(start['ours VERSION'], start['reference VERSION'])} | — |`);
  console.log(`| ours ADD / ours VERSION | ${ratio(add['ours ADD'], add['ours VERSION'])} | ≤ 1.3 |`);
  console.log(`| ours ADD / reference ADD | ${ratio(add['ours ADD'], add['reference ADD'])} | — |`);
  console.log(`| ours ADD+DEL / reference ADD+DEL | ${ratio(trip['ours ADD+DEL'], trip['reference ADD+DEL'])} | — |`);
  console.log(`| bridge ADD+DEL ours / reference | ${ratio(br.plain['ours'], br.plain['reference'])} | ≤ 2 (stretch 1.5) |`);
  console.log(`| bridge ADD+DEL with ipMasq ours / reference | ${ratio(br.masq['ours'], br.masq['reference'])} | < 1 |`);
  console.log(`| bridge 50 ADDs at parallelism 8 ours / reference | ${ratio(br.par['ours'], br.par['reference'])} | — |`);
  console.log(`| bridge ADD in-process kernel time (median ms) | ${br.kernel.median.toFixed(2)} | ≤ 3 |`);
  console.log(`\nnode ${process.version}, ${runs} runs per command, NODE_EXTRA_CA_CERTS unset`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
