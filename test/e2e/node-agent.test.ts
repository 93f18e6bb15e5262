// `cnits node` end to end, with the real kernel and a real 3-member etcd cluster: three
// node netns on an underlay bridge, one etcd member and one agent (dist/bin/cnits node) in
// each, pods added with our bridge + host-local from the conflist each agent wrote (exec'd
// inside the node netns as the runtime on that host would), pings across every pair; then
// faults: an etcd member killed, a lease deleted, agents restarted. Both backends.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster, hasEtcd } from './node-cluster';
import { canNetns, cleanupNetns, cniIn, makeNetns, type Netns, ping } from './netns';

interface Pod { ns: Netns; ip: string; node: number }

const t0 = Date.now();
/** progress on stderr: when a step hangs, the last line says which */
const step = (what: string): void => { process.stderr.write(`[node-agent e2e +${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}\n`); };

async function waitFor(what: string, probe: () => boolean, ms = 15_000): Promise<void> {
  step(`waiting for ${what}`);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!probe()) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** libcni's view: the conflist's first plugin with the list's name and version injected. */
function pluginConf(c: Cluster, node: number, dataDir: string): unknown {
  const list = JSON.parse(readFileSync(join(c.nodes[node - 1]!.dir, 'net.d', '10-cnits-node.conflist'), 'utf8'));
  const p = list.plugins[0];
  // the three "hosts" share this machine's filesystem: host-local state goes to a scratch dir
  return { cniVersion: list.cniVersion, name: list.name, ...p, ipam: { ...p.ipam, dataDir: join(dataDir, `n${node}`) } };
}

async function addPod(c: Cluster, node: number, tag: string): Promise<Pod> {
  const ns = makeNetns(`cnitsnd-${tag}`);
  const r = await cniIn(c.nodes[node - 1]!.ns, 'bridge', { command: 'ADD', containerID: ns.name, netns: ns.path }, pluginConf(c, node, join(c.tmp.path, 'ipam')));
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return { ns, ip: String(r.json.ips[0].address).split('/')[0]!, node };
}

async function allReach(pods: readonly Pod[], ms = 15_000): Promise<void> {
  for (const a of pods) {
    for (const b of pods) {
      if (a !== b) await waitFor(`pod on node ${a.node} -> ${b.ip} on node ${b.node}`, () => ping(a.ns, b.ip), ms);
    }
  }
}

const leaseKeys = (c: Cluster): string[] =>
  c.etcdctl(1, 'get', '--prefix', '--keys-only', '/coreos.com/network/subnets/').stdout.split('\n').filter((l) => l.trim() !== '');

describe.skipIf(!canNetns || !hasEtcd)('cnits node: cross-host pod networks on a 3-member etcd cluster', () => {
  // a test that timed out is still running: its processes must not outlive the file
  const clusters = new Set<Cluster>();
  afterAll(async () => {
    await Promise.all([...clusters].map((c) => c.stop()));
    cleanupNetns();
  });

  for (const mode of ['host-gw', 'vxlan'] as const) {
    it(`${mode}: pods on three nodes reach each other; survives a dead member, a deleted lease, restarts`, async () => {
      const c = new Cluster(`cnitsnd-${mode === 'vxlan' ? 'vx' : 'hg'}`);
      clusters.add(c);
      try {
        await c.startEtcd();
        const put = c.etcdctl(1, 'put', '/coreos.com/network/config', JSON.stringify({ Network: '10.244.0.0/16', Backend: { Type: mode } }));
        expect(put.code, put.stderr).toBe(0);
        for (const n of c.nodes) c.startAgent(n.i);
        await waitFor('three leases and conflists', () => leaseKeys(c).length === 3 && c.nodes.every((n) => {
          try { readFileSync(join(n.dir, 'net.d', '10-cnits-node.conflist')); return true; } catch { return false; }
        }));
        const env = readFileSync(join(c.nodes[0]!.dir, 'subnet.env'), 'utf8');
        expect(env).toMatch(new RegExp(`^FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10\\.244\\.\\d+\\.1/24\nFLANNEL_MTU=${mode === 'vxlan' ? 1450 : 1500}\nFLANNEL_IPMASQ=true\n$`));
        await waitFor('two peer routes on every node', () => c.nodes.every((n) => c.agentRoutes(n.i).length === 2));
        if (mode === 'vxlan') {
          for (const r of c.agentRoutes(1)) expect(r).toMatch(/^10\.244\.\d+\.0\/24 via 10\.244\.\d+\.0 dev flannel\.1 onlink/);
        } else {
          for (const r of c.agentRoutes(1)) expect(r).toMatch(/^10\.244\.\d+\.0\/24 via 10\.231\.0\.[23] dev eth0/);
        }
        const pods = [await addPod(c, 1, 'a'), await addPod(c, 2, 'b'), await addPod(c, 3, 'c')];
        await allReach(pods);

        // one member down: its node's agent goes on with the others; a new pod reaches everyone
        c.killEtcd(3);
        pods.push(await addPod(c, 3, 'd'));
        await allReach(pods);

        // node 2's lease deleted: the others drop its route; its agent stops, as flanneld does
        const key2 = leaseKeys(c).find((k) => {
          const v = c.etcdctl(1, 'get', '--print-value-only', k).stdout;
          return v.includes('"PublicIP":"10.231.0.2"');
        })!;
        expect(c.etcdctl(1, 'del', key2).code).toBe(0);
        const subnet2 = key2.split('/').pop()!.replace('-', '/');
        await waitFor(`nodes 1 and 3 drop the route to ${subnet2}`, () => [1, 3].every((i) => !c.agentRoutes(i).some((r) => r.startsWith(subnet2))));
        expect(await c.nodes[1]!.agentExit).toBe(1);
        expect(c.agentLog(2)).toMatch(/has been revoked/);

        // restarted: node 2 takes the same subnet again (subnet.env), everyone routes to it
        c.startAgent(2);
        await waitFor('node 2 leased again', () => leaseKeys(c).includes(key2));
        await allReach(pods);

        // SIGTERM leaves routes and lease: pods talk while node 1's agent is down; a restart finds its lease
        const key1 = leaseKeys(c).find((k) => c.etcdctl(1, 'get', '--print-value-only', k).stdout.includes('"PublicIP":"10.231.0.1"'))!;
        expect(await c.stopAgent(1)).toBe(0);
        expect(c.agentRoutes(1)).toHaveLength(2);
        expect(leaseKeys(c)).toContain(key1);
        await allReach(pods);
        c.startAgent(1);
        await waitFor('node 1 found its lease again', () => /found the lease for this public IP/.test(c.agentLog(1)));
        expect(leaseKeys(c)).toContain(key1);
        await allReach(pods);

        // every member down: routes stay, pods talk, each agent says what it waits for
        c.killEtcd(1);
        c.killEtcd(2);
        await waitFor('every agent logs that it waits for etcd', () => c.nodes.every((n) => /waiting: etcd (watch lost|unreachable)/.test(c.agentLog(n.i))), 40_000);
        for (const n of c.nodes) expect(c.agentRoutes(n.i)).toHaveLength(2);
        await allReach(pods);
      } catch (e) {
        for (const n of c.nodes) console.error(`--- node ${n.i} agent log\n${c.agentLog(n.i)}`);
        throw e;
      } finally {
        await c.stop();
        clusters.delete(c);
      }
    }, 90_000);
  }

  it('TLS: etcd with client certificate auth, the agent with -etcd-cafile/-etcd-certfile/-etcd-keyfile; a bad config waits', async () => {
    const c = new Cluster('cnitsnd-tls', 2);
    clusters.add(c);
    try {
      c.useTls();
      await c.startEtcd();
      // a config we cannot use: one line naming key and field, nothing made, until it is fixed
      expect(c.etcdctl(1, 'put', '/coreos.com/network/config', '{"Network":"10.244.0.0/16","Backend":{"Type":"udp"}}').code).toBe(0);
      c.startAgent(1);
      await waitFor('the bad config logged', () => c.agentLog(1).includes('/coreos.com/network/config: field Backend.Type:'));
      expect(c.agentLog(1).match(/field Backend\.Type/g)).toHaveLength(1);
      expect(leaseKeys(c)).toEqual([]);
      expect(existsSync(join(c.nodes[0]!.dir, 'subnet.env'))).toBe(false);
      expect(c.etcdctl(1, 'put', '/coreos.com/network/config', '{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}').code).toBe(0);
      c.startAgent(2);
      await waitFor('two leases over TLS', () => leaseKeys(c).length === 2);
      await waitFor('a peer route on each node', () => c.nodes.every((n) => c.agentRoutes(n.i).length === 1));
    } catch (e) {
      for (const n of c.nodes) console.error(`--- node ${n.i} agent log\n${c.agentLog(n.i)}`);
      throw e;
    } finally {
      await c.stop();
      clusters.delete(c);
    }
  }, 60_000);
});
