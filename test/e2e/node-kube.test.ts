// `cnits node -kube-subnet-mgr` against the Kubernetes API's recorded responses, over HTTPS
// through the same client a real API server is reached by, with the real kernel: the agent
// runs in a scratch netns ("the node", its uplink 10.9.77.1/24) and must route to the other
// nodes' podCIDRs via their InternalIPs, write no conflist while its own Node has no podCIDR,
// write it (and subnet.env) once it has, and drop the route of a deleted Node. No
// kube-apiserver can be installed here: the server replays what one answers.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../lib/kube/client';
import { kubeconfigFile } from '../../lib/kube/config';
import { defaultRunner } from '../../lib/masq/run';
import { openNetlink } from '../../lib/netlink';
import { parseNetworkConfig } from '../../lib/node/config';
import { KubeAgent } from '../../lib/node/kube-agent';
import { parseNodeOptions } from '../../lib/node/options';
import { tempDir } from './helpers';
import { canNetns, cleanupNetns, makeNetns, type Netns } from './netns';

const node = (name: string, rv: string, podCIDR: string | undefined, ip: string) => ({
  kind: 'Node', metadata: { name, resourceVersion: rv },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {}, status: { addresses: [{ type: 'InternalIP', address: ip }] },
});
const lines = (...events: object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

describe.skipIf(!canNetns)('cnits node -kube-subnet-mgr (host-gw) on recorded API responses', () => {
  const dir = tempDir('nodekube');
  let server: Server;
  let ns: Netns;
  let release: () => void = () => undefined;
  const released = new Promise<void>((ok) => { release = ok; });

  beforeAll(async () => {
    ns = makeNetns('cnitsnk');
    execFileSync('ip', ['-n', ns.name, 'link', 'add', 'cnitsnk-up', 'type', 'veth', 'peer', 'name', 'cnitsnk-pe']);
    execFileSync('ip', ['-n', ns.name, 'addr', 'add', '10.9.77.1/24', 'dev', 'cnitsnk-up']);
    for (const l of ['cnitsnk-up', 'cnitsnk-pe', 'lo']) execFileSync('ip', ['-n', ns.name, 'link', 'set', l, 'up']);
    const key = join(dir.path, 'key.pem');
    const cert = join(dir.path, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', '1', '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    let requests = 0;
    server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      requests++;
      if (requests === 1) {
        // the list: our node has no podCIDR yet, one peer has
        res.writeHead(200).end(JSON.stringify({ kind: 'NodeList', metadata: { resourceVersion: '10' },
          items: [node('n1', '9', undefined, '10.9.77.1'), node('n2', '8', '10.244.2.0/24', '10.9.77.2')] }));
      } else if (requests === 2 && (req.url ?? '').includes('resourceVersion=10')) {
        // the watch, held until the test has looked at the state after the list
        void released.then(() => res.writeHead(200).end(lines(
          { type: 'MODIFIED', object: node('n1', '11', '10.244.1.0/24', '10.9.77.1') },
          { type: 'ADDED', object: node('n3', '12', '10.244.3.0/24', '10.9.77.3') },
          { type: 'DELETED', object: node('n2', '13', '10.244.2.0/24', '10.9.77.2') },
        )));
      } else {
        req.socket.setTimeout(0); // later watches: stay open until the agent stops
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    writeFileSync(join(dir.path, 'kubeconfig'), [
      'apiVersion: v1', 'kind: Config', 'current-context: k', 'clusters:', '- name: k', '  cluster:',
      `    server: https://127.0.0.1:${(server.address() as AddressInfo).port}`, '    certificate-authority: cert.pem',
      'users:', '- name: u', '  user: { token: t }', 'contexts:', '- name: k', '  context: { cluster: k, user: u }',
    ].join('\n'));
  });
  afterAll(() => { server?.closeAllConnections(); server?.close(); cleanupNetns(); dir.cleanup(); });

  const routes = (): string[] => (JSON.parse(execFileSync('ip', ['-n', ns.name, '-j', 'route', 'show', 'proto', '78'], { encoding: 'utf8' }) || '[]') as { dst: string; gateway: string }[])
    .map((r) => `${r.dst} via ${r.gateway}`).sort();
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(ok(), what).toBe(true);
  };

  it('routes to peers, writes the conflist only once its own podCIDR is known, drops a deleted node', async () => {
    const confDir = join(dir.path, 'net.d');
    const opts = parseNodeOptions(['-kube-subnet-mgr', `-kubeconfig-file=${join(dir.path, 'kubeconfig')}`, `-cni-conf-dir=${confDir}`,
      `-subnet-file=${join(dir.path, 'subnet.env')}`, '-iface=cnitsnk-up', '-iptables-forward-rules=false'], { NODE_NAME: 'n1' });
    const cfg = parseNetworkConfig('{"Network": "10.244.0.0/16", "Backend": {"Type": "host-gw"}}');
    const nl = openNetlink(ns.path);
    const stop = new AbortController();
    const log: string[] = [];
    const client = new KubeClient(kubeconfigFile(opts.kubeconfigFile));
    const running = new KubeAgent(opts, cfg, { client, nl, runner: defaultRunner, log: (l) => log.push(l), signal: stop.signal }).run();
    try {
      await until('the route to n2 after the list', () => routes().join() === '10.244.2.0/24 via 10.9.77.2');
      expect(existsSync(join(confDir, '10-cnits-node.conflist')), 'no conflist before the node has a podCIDR').toBe(false);
      expect(log.some((l) => l.includes('has no podCIDR'))).toBe(true);

      release();
      await until('n2 gone, n3 routed', () => routes().join() === '10.244.3.0/24 via 10.9.77.3');
      await until('the conflist', () => existsSync(join(confDir, '10-cnits-node.conflist')));
      const conf = JSON.parse(readFileSync(join(confDir, '10-cnits-node.conflist'), 'utf8'));
      expect(conf.plugins[0].ipam.ranges).toEqual([[{ subnet: '10.244.1.0/24', gateway: '10.244.1.1' }]]);
      expect(conf.plugins[0].ipam.routes).toEqual([{ dst: '10.244.0.0/16' }]);
      expect(readFileSync(join(dir.path, 'subnet.env'), 'utf8')).toContain('FLANNEL_SUBNET=10.244.1.1/24');
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      nl.close();
    }
    // stopping leaves the routes, as flanneld
    expect(routes()).toEqual(['10.244.3.0/24 via 10.9.77.3']);
  }, 60_000);

  it('vxlan: publishes its VTEP in its Node\'s annotations (one PATCH) and follows the peers\' published VTEPs', async () => {
    const peerMAC = '0a:58:0a:f4:05:00';
    let patch: { url: string; body: string; type: string | undefined } | undefined;
    const annotations = { 'flannel.alpha.coreos.com/backend-type': 'vxlan', 'flannel.alpha.coreos.com/backend-data': JSON.stringify({ VNI: 7, VtepMAC: peerMAC }),
      'flannel.alpha.coreos.com/public-ip': '10.9.77.5' };
    const peer = { ...node('n5', '20', '10.244.5.0/24', '10.9.77.5'), metadata: { name: 'n5', resourceVersion: '20', annotations } };
    const plain = node('n6', '21', '10.244.6.0/24', '10.9.77.6'); // no VTEP published: not a vxlan peer
    let calls = 0;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      calls++;
      if (req.method === 'PATCH') {
        let body = '';
        req.on('data', (b: Buffer) => { body += b.toString(); });
        req.on('end', () => { patch = { url: req.url ?? '', body, type: req.headers['content-type'] }; res.writeHead(200).end('{}'); });
      } else if (calls === 1) {
        res.writeHead(200).end(JSON.stringify({ kind: 'NodeList', metadata: { resourceVersion: '30' }, items: [node('n1', '29', '10.244.1.0/24', '10.9.77.1'), peer, plain] }));
      } else {
        req.socket.setTimeout(0); // the watch: stays open until the agent stops
      }
    });
    const opts = parseNodeOptions(['-kube-subnet-mgr', `-kubeconfig-file=${join(dir.path, 'kubeconfig')}`, `-subnet-file=${join(dir.path, 'vx.env')}`,
      '-iface=cnitsnk-up', '-iptables-forward-rules=false'], { NODE_NAME: 'n1' });
    const cfg = parseNetworkConfig('{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan", "VNI": 7}}');
    const nl = openNetlink(ns.path);
    const stop = new AbortController();
    const client = new KubeClient(kubeconfigFile(opts.kubeconfigFile));
    const running = new KubeAgent(opts, cfg, { client, nl, runner: defaultRunner, log: () => undefined, signal: stop.signal }).run();
    const ip = (...args: string[]) => execFileSync('ip', ['-n', ns.name, '-j', ...args], { encoding: 'utf8' });
    try {
      await until('the PATCH of our annotations', () => patch !== undefined);
      const dev = (JSON.parse(ip('link', 'show', 'flannel.7')) as { address: string }[])[0]!;
      expect(patch!.url).toBe('/api/v1/nodes/n1/status');
      expect(patch!.type).toBe('application/strategic-merge-patch+json');
      expect(JSON.parse(patch!.body).metadata.annotations).toEqual({
        'flannel.alpha.coreos.com/backend-type': 'vxlan', 'flannel.alpha.coreos.com/backend-data': JSON.stringify({ VNI: 7, VtepMAC: dev.address }),
        'flannel.alpha.coreos.com/public-ip': '10.9.77.1', 'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
      });
      await until('the onlink route to n5 through flannel.7', () => routes().includes('10.244.5.0/24 via 10.244.5.0'));
      expect(routes().some((r) => r.startsWith('10.244.6.0/24')), 'no route to a node without a VTEP').toBe(false);
      const fdb = JSON.parse(execFileSync('bridge', ['-n', ns.name, '-j', 'fdb', 'show', 'dev', 'flannel.7'], { encoding: 'utf8' })) as { mac: string; dst?: string }[];
      expect(fdb).toContainEqual(expect.objectContaining({ mac: peerMAC, dst: '10.9.77.5' }));
      const neigh = JSON.parse(ip('neigh', 'show', 'dev', 'flannel.7')) as { dst: string; lladdr: string }[];
      expect(neigh).toContainEqual(expect.objectContaining({ dst: '10.244.5.0', lladdr: peerMAC }));
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      nl.close();
    }
  }, 60_000);
});
