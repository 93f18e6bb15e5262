// In-process kernel time of one bridge ADD (netlink + sysctls, no process start,
// no IPAM exec): run by build/bench.mjs inside a scratch netns (`ip netns exec`).
//   node build/ts-run.mjs build/bench-kernel.ts <container-netns-path> <runs>
import { execFileSync } from 'node:child_process';
import type { CmdArgs } from '../lib/cni/plugin';
import { add } from '../plugins/bridge/add';
import { del } from '../plugins/bridge/del';

const [netns = '', runsArg = '20'] = process.argv.slice(2);
const conf = { cniVersion: '1.1.0', name: 'benchk', type: 'bridge', bridge: 'cnitsbk0', isGateway: false };
const args = (command: 'ADD' | 'DEL'): CmdArgs => ({
  command, containerID: 'benchk', netns, ifName: 'eth0', args: '', path: [], stdin: Buffer.from(JSON.stringify(conf)),
  conf, env: {}, stderr: (t) => void process.stderr.write(t),
});
const times: number[] = [];
for (let i = 0; i < Number(runsArg) + 3; i++) {
  const t0 = process.hrtime.bigint();
  await add(args('ADD'));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (i >= 3) times.push(ms);
  await del(args('DEL'));
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(JSON.stringify({ median, min: times[0], max: times[times.length - 1], runs: times.length }));
execFileSync('ip', ['link', 'del', 'cnitsbk0']);
