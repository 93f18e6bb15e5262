// The shape of build/kubernetes/cnits.yaml and kind.yaml: what a cluster operator relies on.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects, read by shape
type K8s = any;
const docs: K8s[] = parseAllDocuments(readFileSync(join(root, 'build/kubernetes/cnits.yaml'), 'utf8')).map((d) => d.toJS()).filter(Boolean);
const byKind = (kind: string): K8s => docs.find((d) => d.kind === kind);
const ds = byKind('DaemonSet');
const pod = ds.spec.template.spec;
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const kind: K8s = parse(readFileSync(join(root, 'build/kubernetes/kind.yaml'), 'utf8'));

describe('the DaemonSet manifest', () => {
  it('runs on every node, on the host network, before anything else', () => {
    expect(ds.metadata.namespace).toBe('kube-system');
    expect(pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toContainEqual({ operator: 'Exists' });
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.serviceAccountName).toBe(byKind('ServiceAccount').metadata.name);
  });

  it('RBAC: nodes get, list, watch, and patch on nodes/status only (vxlan VTEP annotations), bound to its service account', () => {
    expect(byKind('ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
    ]);
    const binding = byKind('ClusterRoleBinding');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: byKind('ClusterRole').metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'kube-system' }]);
  });

  it('an init container installs into the host /opt/cni/bin with cnits install', () => {
    const init = pod.initContainers[0];
    expect([...init.command, ...init.args]).toEqual(['/opt/cnits/cnits', 'install', '--dir', '/host/opt/cni/bin']);
    const vol = pod.volumes.find((v: K8s) => v.name === init.volumeMounts[0].name);
    expect(vol.hostPath.path).toBe('/opt/cni/bin');
    expect(init.volumeMounts[0].mountPath).toBe('/host/opt/cni/bin');
  });

  it('the agent: cnits node in Kubernetes mode, NET_ADMIN and NET_RAW, the xtables lock, the host conf dir', () => {
    const main = pod.containers[0];
    expect(main.command).toEqual(['/opt/cnits/cnits']);
    expect(main.args[0]).toBe('node');
    expect(main.args).toContain('-kube-subnet-mgr');
    expect(main.args).toContain('-cni-conf-dir=/host/etc/cni/net.d');
    expect(main.env.find((e: K8s) => e.name === 'NODE_NAME').valueFrom.fieldRef.fieldPath).toBe('spec.nodeName');
    expect(main.securityContext.privileged).toBe(false);
    expect(main.securityContext.capabilities.add.sort()).toEqual(['NET_ADMIN', 'NET_RAW']);
    const mounts = new Map<string, string>(main.volumeMounts.map((m: K8s) => [m.mountPath, m.name]));
    const hostPath = (path: string) => pod.volumes.find((v: K8s) => v.name === mounts.get(path))?.hostPath;
    expect(hostPath('/run/xtables.lock')).toEqual({ path: '/run/xtables.lock', type: 'FileOrCreate' });
    expect(hostPath('/host/etc/cni/net.d')?.path).toBe('/etc/cni/net.d');
  });

  it('both containers use the image npm run image tags, never pulled when loaded', () => {
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.image).toBe(`localhost/cnits:${version}`);
      expect(c.imagePullPolicy).toBe('IfNotPresent');
    }
  });

  it('kind: no default CNI, and its podSubnet is the network the agent cuts into node subnets', () => {
    expect(kind.networking.disableDefaultCNI).toBe(true);
    const net = JSON.parse(byKind('ConfigMap').data['net-conf.json']);
    expect(net.Network).toBe(kind.networking.podSubnet);
    expect(kind.nodes.filter((n: K8s) => n.role === 'worker').length).toBeGreaterThanOrEqual(2);
  });
});
