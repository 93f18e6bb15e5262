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
for (const f of [join(ours, 'host-local'), join(ref, 'host-local')]) {
  if (!existsSync(f)) throw new Error(`${f} missing: run npm run build and apt-get install containernetworking-plugins`);
}
const work = mkdtempSync(join(tmpdir(), 'cnits-bench-'));
const env = {
  PATH: process.env.PATH, CNI_CONTAINERID: 'bench', CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/bench', CNI_PATH: ours,
};

/** Runs one hyperfine group; returns {name: meanMs}. */
function hyperfine(title, commands, extra = []) {
  // --shell=none where no redirection is needed; otherwise hyperfine subtracts its shell's start-up
  const json = join(work, 'out.json');
  const args = ['--warmup', '3', '--runs', runs, '--style', 'none', '--export-json', json, ...extra];
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

  console.log('\n## ratios\n');
  console.log('| ratio | value | target |');
  console.log('|---|---|---|');
  console.log(`| ours VERSION / node -e 0 | ${ratio(start['ours VERSION'], start['node -e 0'])} | ≤ 1.2 |`);
  console.log(`| ours VERSION / reference VERSION | ${ratio(start['ours VERSION'], start['reference VERSION'])} | — |`);
  console.log(`| ours ADD / ours VERSION | ${ratio(add['ours ADD'], add['ours VERSION'])} | ≤ 1.3 |`);
  console.log(`| ours ADD / reference ADD | ${ratio(add['ours ADD'], add['reference ADD'])} | — |`);
  console.log(`| ours ADD+DEL / reference ADD+DEL | ${ratio(trip['ours ADD+DEL'], trip['reference ADD+DEL'])} | — |`);
  console.log(`\nnode ${process.version}, ${runs} runs per command, NODE_EXTRA_CA_CERTS unset`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
