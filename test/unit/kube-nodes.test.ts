// The Kubernetes mode's view of the nodes, driven by the API's recorded responses over the
// same HTTPS path a real API server is reached by (kubeconfig: server, CA, bearer token): a
// list, watch events with a bookmark, a 410 Gone and the relist, an API server away for a
// moment (503), then a delete. No kube-apiserver can be installed here: this replays what
// one answers.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../lib/kube/client';
import { kubeconfigFile } from '../../lib/kube/config';
import { type NodeInfo, nodeInfo, watchNodes } from '../../lib/kube/nodes';
import { tempDir } from '../e2e/helpers';

const node = (name: string, rv: string, podCIDRs: string[], ip: string) => ({
  kind: 'Node', metadata: { name, resourceVersion: rv, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
  spec: { podCIDR: podCIDRs[0], podCIDRs }, status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
});
const a = node('kind-control-plane', '90', ['10.244.0.0/24', 'fd00:10:244::/64'], '172.18.0.2');
const b = node('kind-worker', '95', ['10.244.1.0/24'], '172.18.0.3');
const c = node('kind-worker2', '120', ['10.244.2.0/24'], '172.18.0.4');
const lines = (...events: object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

/** What the API server answers, request by request (path prefix, status, body). */
const script: [string, number, string][] = [
  ['/api/v1/nodes', 200, JSON.stringify({ kind: 'NodeList', metadata: { resourceVersion: '100' }, items: [a, b] })],
  ['/api/v1/nodes?watch=1&allowWatchBookmarks=true&resourceVersion=100&', 200, lines(
    { type: 'ADDED', object: c },
    { type: 'BOOKMARK', object: { kind: 'Node', metadata: { resourceVersion: '150' } } },
    { type: 'MODIFIED', object: { ...b, metadata: { ...b.metadata, resourceVersion: '160' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] } } },
  )],
  ['/api/v1/nodes?watch=1&allowWatchBookmarks=true&resourceVersion=160&', 200, lines(
    { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 160 (300)' } },
  )],
  ['/api/v1/nodes', 503, JSON.stringify({ kind: 'Status', code: 503, message: 'the server is currently unable to handle the request' })],
  ['/api/v1/nodes', 200, JSON.stringify({ kind: 'NodeList', metadata: { resourceVersion: '300' }, items: [a, c] })],
  ['/api/v1/nodes?watch=1&allowWatchBookmarks=true&resourceVersion=300&', 200, lines({ type: 'DELETED', object: { ...c, metadata: { ...c.metadata, resourceVersion: '310' } } })],
];

describe('Kubernetes mode: nodes by list and watch over HTTPS', () => {
  const dir = tempDir('kube');
  let server: Server;
  const seen: { url: string; auth: string | undefined }[] = [];
  let kubeconfig = '';

  beforeAll(async () => {
    const key = join(dir.path, 'key.pem');
    const cert = join(dir.path, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', '1', '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const { readFileSync } = await import('node:fs');
    server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      const step = script[seen.length - 1];
      if (!step || !(req.url ?? '').startsWith(step[0])) { res.writeHead(599).end(); return; } // past the script: hang up
      res.writeHead(step[1], { 'Content-Type': 'application/json' }).end(step[2]);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    kubeconfig = join(dir.path, 'kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: kind',
      'clusters:', `- name: kind`, '  cluster:', `    server: https://127.0.0.1:${port}/`, '    certificate-authority: cert.pem',
      'users:', '- name: agent', '  user:', '    token: recorded-token',
      'contexts:', '- name: kind', '  context: { cluster: kind, user: agent }',
    ].join('\n'));
  });
  afterAll(() => { server?.close(); dir.cleanup(); });

  it('nodeInfo reads podCIDRs (dual stack, or the single podCIDR) and InternalIPs', () => {
    expect(nodeInfo(a)).toMatchObject({ name: 'kind-control-plane', podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'], internalIPs: ['172.18.0.2'] });
    expect(nodeInfo({ metadata: { name: 'x' }, spec: { podCIDR: '10.0.0.0/24' } }).podCIDRs).toEqual(['10.0.0.0/24']);
    expect(nodeInfo({ metadata: { name: 'y' }, spec: {} }).podCIDRs).toEqual([]);
  });

  it('lists, follows events and bookmarks, relists after 410 Gone, waits out a 503, applies a delete', async () => {
    const client = new KubeClient(kubeconfigFile(kubeconfig));
    const states: string[][] = [];
    const log: string[] = [];
    const stop = new AbortController();
    let last: ReadonlyMap<string, NodeInfo> = new Map();
    const done = watchNodes(client, {
      onChange: (nodes) => {
        last = new Map(nodes);
        states.push([...nodes.values()].map((n) => `${n.name}=${n.podCIDRs.join('+')}@${n.internalIPs.join('+')}`).sort());
        if (states.length === 5) stop.abort();
      },
      log: (l) => log.push(l), minBackoffMs: 20, maxBackoffMs: 40, watchSeconds: 5,
    }, stop.signal);
    await Promise.race([done, new Promise((_, no) => setTimeout(() => no(new Error(`stuck after ${JSON.stringify(states)} ${log.slice(0, 5).join('; ')}`)), 20_000))]);

    // every request carried the token, and each watch resumed where the last event left it
    expect(seen.every((s) => s.auth === 'Bearer recorded-token')).toBe(true);
    expect(seen.map((s) => s.url.replace(/&timeoutSeconds=\d+$/, ''))).toEqual(script.map(([p]) => p.replace(/&$/, '')));
    expect(states).toEqual([
      ['kind-control-plane=10.244.0.0/24+fd00:10:244::/64@172.18.0.2', 'kind-worker=10.244.1.0/24@172.18.0.3'],
      ['kind-control-plane=10.244.0.0/24+fd00:10:244::/64@172.18.0.2', 'kind-worker2=10.244.2.0/24@172.18.0.4', 'kind-worker=10.244.1.0/24@172.18.0.3'],
      ['kind-control-plane=10.244.0.0/24+fd00:10:244::/64@172.18.0.2', 'kind-worker2=10.244.2.0/24@172.18.0.4', 'kind-worker=10.244.1.0/24+fd00:10:244:1::/64@172.18.0.3'],
      // relisted after the 410: kind-worker was deleted while the watch was gone
      ['kind-control-plane=10.244.0.0/24+fd00:10:244::/64@172.18.0.2', 'kind-worker2=10.244.2.0/24@172.18.0.4'],
      ['kind-control-plane=10.244.0.0/24+fd00:10:244::/64@172.18.0.2'],
    ]);
    expect(last.has('kind-worker2')).toBe(false);
    expect(log.some((l) => l.includes('410'))).toBe(true);
    expect(log.some((l) => /waiting for the API server .*503/.test(l))).toBe(true);
  }, 30_000);
});
