// `cnits node` numbers for npm run bench, per backend, on two node netns on an underlay
// bridge with one etcd member (in node 1):
//   start -> first cross-node ping: node 2's agent runs and has a pod; node 1's agent starts
//     cold (no lease, device, subnet.env or conflist); as soon as its conflist appears a pod
//     is added there (our bridge), which pings node 2's pod until it answers.
//   convergence: 50 simulated peer leases written in one etcd transaction; time until node
//     1 holds their 50 routes, then until they are gone after one delete.
// Every process started here is killed at the end, every netns deleted.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sh = (cmd) => execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const root = join(import.meta.dirname, '..');
const inNs = (ns, ...cmd) => spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: 20_000, cwd: root });

/** Node code (run inside node 1's netns) that puts or deletes 50 simulated peer leases in one transaction, printing when it committed. */
const writer = (ep, mode, verb) => `const {Etcd3}=require('etcd3');const c=new Etcd3({hosts:'${ep}'});(async()=>{const ops=[];`
  + `for(let i=0;i<50;i++){const k='/coreos.com/network/subnets/10.244.'+(200+i)+'.0-24';`
  + `const v={PublicIP:'10.231.0.'+(100+i),PublicIPv6:null,BackendType:'${mode}'};`
  + `if('${mode}'==='vxlan')v.BackendData={VNI:1,VtepMAC:'02:00:00:00:01:'+i.toString(16).padStart(2,'0')};`
  + `ops.push('${verb}'==='put'?c.put(k).value(JSON.stringify(v)):c.delete().key(k))}`
  + `await c.if('/coreos.com/network/config','Version','>',0).then(...ops).commit();console.log(Date.now());c.close()})()`;
const sleepMs = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, probe, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (probe()) return Date.now(); await sleepMs(5); }
  throw new Error(`bench-node: timed out waiting for ${what}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchNode({ runs = 5 } = {}) {
  const cnits = join(root, 'dist/bin/cnits');
  const work = mkdtempSync(join(tmpdir(), 'cnits-bench-node-'));
  const ns = (n) => `cnitsnd-bench-${n}`;
  const procs = [];
  const pods = [];
  const start = (n, log, cmd) => {
    const p = spawn('ip', ['netns', 'exec', ns(n), ...cmd], { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] });
    procs.push(p);
    return p;
  };
  const results = {};
  try {
    sh(`ip netns add ${ns('u')} && ip -n ${ns('u')} link add br0 type bridge && ip -n ${ns('u')} link set br0 up`);
    for (const n of [1, 2]) {
      sh(`ip netns add ${ns(n)} && ip -n ${ns('u')} link add u${n} type veth peer name eth0 netns ${ns(n)} && ip -n ${ns('u')} link set u${n} master br0 up`
        + ` && ip -n ${ns(n)} addr add 10.231.0.${n}/24 dev eth0 && ip -n ${ns(n)} link set eth0 up && ip -n ${ns(n)} link set lo up`);
      mkdirSync(join(work, `n${n}`));
    }
    const ep = 'http://10.231.0.1:2379';
    start(1, join(work, 'etcd.log'), ['etcd', '--name', 'b1', '--data-dir', join(work, 'etcd'), '--listen-client-urls', ep, '--advertise-client-urls', ep,
      '--listen-peer-urls', 'http://10.231.0.1:2380', '--initial-advertise-peer-urls', 'http://10.231.0.1:2380', '--initial-cluster', 'b1=http://10.231.0.1:2380']);
    const ctl = (...args) => spawnSync('ip', ['netns', 'exec', ns(1), 'etcdctl', '--endpoints', ep, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' }, timeout: 20_000 });
    await until('etcd', () => ctl('endpoint', 'health').status === 0, 20_000);
    /** bridge ADD with node n's conflist (plugin config as libcni hands it), in a new pod netns; returns the pod's IP */
    const addPod = (n, pod, dataDir) => {
      const list = JSON.parse(readFileSync(join(work, `n${n}`, 'net.d', '10-cnits-node.conflist'), 'utf8'));
      sh(`ip netns add ${ns(pod)}`);
      pods.push(pod);
      const plugin = { cniVersion: list.cniVersion, name: list.name, ...list.plugins[0], ipam: { ...list.plugins[0].ipam, dataDir } };
      const add = spawnSync('ip', ['netns', 'exec', ns(n), join(root, 'dist/bin/bridge')], { input: JSON.stringify(plugin), encoding: 'utf8',
        env: { PATH: process.env.PATH, CNI_COMMAND: 'ADD', CNI_CONTAINERID: pod, CNI_NETNS: `/var/run/netns/${ns(pod)}`, CNI_IFNAME: 'eth0', CNI_PATH: join(root, 'dist/bin') } });
      if (add.status !== 0) throw new Error(`bench-node: pod ADD failed: ${add.stdout}${add.stderr}`);
      return JSON.parse(add.stdout).ips[0].address.split('/')[0];
    };
    const agentArgs = (n) => [cnits, 'node', '-etcd-endpoints', ep, '-iface', 'eth0', '-subnet-file', join(work, `n${n}`, 'subnet.env'), '-cni-conf-dir', join(work, `n${n}`, 'net.d')];

    for (const mode of ['host-gw', 'vxlan']) {
      ctl('del', '--prefix', '/coreos.com/network/');
      ctl('put', '/coreos.com/network/config', JSON.stringify({ Network: '10.244.0.0/16', Backend: { Type: mode } }));
      // node 2 with a pod
      const a2 = start(2, join(work, `agent2-${mode}.log`), agentArgs(2));
      const conf = join(work, 'n2', 'net.d', '10-cnits-node.conflist');
      await until('node 2 conflist', () => { try { return JSON.parse(readFileSync(conf, 'utf8')).plugins[0].ipam.ranges[0][0].subnet.startsWith('10.244.'); } catch { return false; } }, 20_000);
      const podIP = addPod(2, `pod-${mode}`, join(work, `ipam2-${mode}`));
      const starts = [];
      for (let i = 0; i < runs; i++) {
        // cold: no lease, no subnet.env, no device, no routes of a previous run
        for (const k of ctl('get', '--prefix', '--keys-only', '/coreos.com/network/subnets/').stdout.split('\n').filter(Boolean)) {
          if (ctl('get', '--print-value-only', k).stdout.includes('"10.231.0.1"')) ctl('del', k);
        }
        for (const f of ['subnet.env', 'net.d/10-cnits-node.conflist']) rmSync(join(work, 'n1', f), { force: true });
        for (const dev of ['flannel.1', 'cni0']) inNs(ns(1), 'ip', 'link', 'del', dev);
        inNs(ns(1), 'ip', 'route', 'flush', 'proto', '78');
        const pod = `pod1-${mode}-${i}`;
        const t0 = Date.now();
        const a1 = start(1, join(work, `agent1-${mode}.log`), agentArgs(1));
        // as a runtime: the pod is added once the conflist is there, then it pings node 2's pod
        await until('node 1 conflist', () => existsSync(join(work, 'n1', 'net.d', '10-cnits-node.conflist')), 30_000);
        addPod(1, pod, join(work, `ipam1-${mode}-${i}`));
        const t1 = await until('first ping', () => inNs(ns(pod), 'ping', '-c1', '-W1', podIP).status === 0, 30_000);
        starts.push(t1 - t0);
        a1.kill('SIGTERM');
        await new Promise((r) => a1.once('exit', r));
        spawnSync('ip', ['netns', 'del', ns(pod)]);
      }

      // convergence: node 1 running, 50 peers appear in one transaction
      const a1 = start(1, join(work, `agent1-${mode}.log`), agentArgs(1));
      await until('node 1 routes to node 2', () => inNs(ns(1), 'ip', 'route', 'show', 'proto', '78').stdout.trim().split('\n').filter(Boolean).length === 1, 30_000);
      const write = (verb) => {
        const w = inNs(ns(1), process.execPath, '-e', writer(ep, mode, verb));
        if (w.status !== 0) throw new Error(`bench-node: lease writer failed: ${w.stderr}`);
        return Number(w.stdout.trim());
      };
      const count = () => inNs(ns(1), 'ip', 'route', 'show', 'proto', '78').stdout.trim().split('\n').filter(Boolean).length;
      const written = write('put');
      const converged = await until('51 routes', () => count() === 51, 30_000);
      const deleted = write('del');
      const removed = await until('the 50 routes gone', () => count() === 1, 30_000);
      results[mode] = { startToPingMs: median(starts), startRuns: starts, converge50Ms: converged - written, remove50Ms: removed - deleted };
      a1.kill('SIGTERM');
      a2.kill('SIGTERM');
      await Promise.all([a1, a2].map((p) => new Promise((r) => (p.exitCode !== null ? r() : p.once('exit', r)))));
      inNs(ns(1), 'ip', 'link', 'del', 'flannel.1');
      inNs(ns(2), 'ip', 'link', 'del', 'flannel.1');
      inNs(ns(1), 'ip', 'route', 'flush', 'proto', '78');
      inNs(ns(2), 'ip', 'route', 'flush', 'proto', '78');
    }
    return results;
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await sleepMs(200);
    for (const n of ['u', 1, 2, ...pods]) spawnSync('ip', ['netns', 'del', ns(n)]);
    rmSync(work, { recursive: true, force: true });
  }
}
