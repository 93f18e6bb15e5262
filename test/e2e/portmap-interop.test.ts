// portmap, ours against the reference v1.1.1 (/usr/lib/cni/portmap, iptables only: it has no
// nftables backend): ADD by either makes the same iptables objects; a DEL by either removes
// what the other's ADD made; ours CHECKs what the reference made.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reference } from './helpers';
import { canNetns, cleanupNetns, pluginDir, type Netns } from './netns';
import { freshCtr, type Mapping, natTables, Node } from './portmap-helpers';

const refPortmap = join(reference, 'portmap');
let nodes: Node[] = [];
afterEach(() => {
  for (const n of nodes) n.close();
  nodes = [];
  cleanupNetns();
});

const mappings: Mapping[] = [
  { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
  { hostPort: 8081, containerPort: 81, protocol: 'udp', hostIP: '10.154.8.1' },
  { hostPort: 8443, containerPort: 443, protocol: 'tcp', hostIP: 'fd00:154:8::1' },
];
/** the tables with this container's ID and chain hash made comparable across containers */
const normal = (n: Node, ctr: Netns): string => natTables(n.host).replaceAll(ctr.name, 'CID').replace(/CNI-DN-[0-9a-f]{21}/g, 'CNI-DN-<hash>');
const newNode = (): Node => { const n = new Node('10.154.8', 'fd00:154:8'); nodes.push(n); return n; };

describe.skipIf(!canNetns || !existsSync(refPortmap) || !existsSync(join(pluginDir, 'portmap')))('portmap interop with the reference (iptables)', () => {
  it('ADD makes byte-identical iptables-save output, dual stack', async () => {
    const [a, b] = [newNode(), newNode()];
    const [ca, cb] = [freshCtr(), freshCtr()];
    const pm = a.portmapConf(mappings, { backend: 'iptables' });
    const ours = await a.add(ca, pm);
    expect(ours.portmap.code, ours.portmap.stdout).toBe(0);
    const ref = await b.add(cb, { ...pm, backend: undefined }, reference);
    expect(ref.portmap.code, ref.portmap.stdout).toBe(0);
    expect(normal(a, ca)).toBe(normal(b, cb));
    expect(normal(a, ca)).toContain('CNI-HOSTPORT-SETMARK');
    // ours CHECKs the reference's objects (the reference's own CHECK fails on them: it looks for IPv4 rules in ip6tables)
    const chk = await b.cni('portmap', 'CHECK', cb, { ...pm, prevResult: ref.bridge });
    expect([chk.code, chk.stdout]).toEqual([0, '']);
  });

  it.each([
    ['ours', 'the reference', pluginDir, reference],
    ['the reference', 'ours', reference, pluginDir],
  ])('ADD by %s, DEL by %s: nothing of the container is left', async (_a, _d, addDir, delDir) => {
    const n = newNode();
    const [warm, ctr] = [freshCtr(), freshCtr()];
    const pm = n.portmapConf(mappings, { backend: 'iptables' });
    const conf = (dir: string) => (dir === reference ? { ...pm, backend: undefined } : pm);
    const w = await n.add(warm, conf(addDir), addDir);
    expect(w.portmap.code, w.portmap.stdout).toBe(0);
    expect((await n.del(warm, conf(addDir), w.bridge, addDir)).code).toBe(0);
    const before = natTables(n.host);
    const { bridge, portmap } = await n.add(ctr, conf(addDir), addDir);
    expect(portmap.code, portmap.stdout).toBe(0);
    expect(natTables(n.host)).toContain('CNI-DN-');
    const del = await n.del(ctr, conf(delDir), bridge, delDir);
    expect([del.code, del.stdout]).toEqual([0, '']);
    expect(natTables(n.host)).toBe(before);
  });
});
