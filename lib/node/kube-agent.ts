// `cnits node -kube-subnet-mgr`: flanneld's Kubernetes mode. The node's subnet is the
// podCIDR the controller manager assigned to its Node (no etcd); the network and backend come
// from net-conf.json (flannel's ConfigMap); peers are the other Nodes' podCIDRs via their
// InternalIPs, followed by list + watch (lib/kube). Until our own podCIDR is known no conflist
// is written, so kubelet keeps pods pending instead of wiring them wrong. vxlan peers need each
// other's VTEP MAC: as flannel's kube subnet manager, each node publishes it in its own Node's
// annotations (flannel.alpha.coreos.com/backend-data, …), the one write this mode makes.
import type { KubeClient } from '../kube/client';
import { type NodeInfo, watchNodes } from '../kube/nodes';
import type { Runner } from '../masq';
import type { Netlink } from '../netlink';
import { type Backend, findExtIface, type Peer } from './backend';
import type { NetworkConfig } from './config';
import { writeNodeFiles } from './files';
import { HostGw } from './hostgw';
import { Vxlan } from './vxlan';
import { keepTrafficRules } from './masq';
import { containsIP4, formatNet4, type Net4, parseNet4 } from './net4';
import type { NodeOptions } from './options';

export const KUBE_RECONCILE_MS = 10_000;

export interface KubeAgentDeps {
  client: KubeClient;
  nl: Netlink;
  runner: Runner;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** The IPv4 podCIDR of a node, inside the cluster network; undefined if it has none yet. */
export function podSubnet(n: NodeInfo, network: Net4): Net4 | undefined {
  for (const c of n.podCIDRs) {
    const sn = parseNet4(c);
    if (sn && containsIP4(network, sn.ip)) return sn;
  }
  return undefined;
}

/** flannel's annotation names (pkg/subnet/kube), so either agent reads the other's. */
export const ANNOTATION = {
  backendType: 'flannel.alpha.coreos.com/backend-type',
  backendData: 'flannel.alpha.coreos.com/backend-data',
  publicIP: 'flannel.alpha.coreos.com/public-ip',
  kubeSubnetManager: 'flannel.alpha.coreos.com/kube-subnet-manager',
} as const;

/** The VTEP MAC a vxlan node published, if any. */
function vtepMAC(n: NodeInfo): string | undefined {
  if (n.annotations[ANNOTATION.backendType] !== 'vxlan') return undefined;
  try {
    const mac = (JSON.parse(n.annotations[ANNOTATION.backendData] ?? '') as { VtepMAC?: unknown }).VtepMAC;
    return typeof mac === 'string' ? mac : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Peers: every other node with a podCIDR in the network and an IPv4 address (its public-ip
 * annotation, else its InternalIP); for vxlan only those that published a VTEP MAC.
 */
export function kubePeers(nodes: ReadonlyMap<string, NodeInfo>, self: string, network: Net4, vxlan: boolean): Peer[] {
  const peers: Peer[] = [];
  for (const n of nodes.values()) {
    if (n.name === self) continue;
    const sn = podSubnet(n, network);
    const ip = n.annotations[ANNOTATION.publicIP] ?? n.internalIPs.find((a) => !a.includes(':'));
    const mac = vtepMAC(n);
    if (!sn || !ip || (vxlan && !mac)) continue;
    peers.push({ subnet: formatNet4(sn), publicIP: ip, ...(vxlan && mac ? { vtepMAC: mac } : {}) });
  }
  return peers;
}

export class KubeAgent {
  private own: Net4 | undefined;

  constructor(private readonly opts: NodeOptions, private readonly cfg: NetworkConfig, private readonly d: KubeAgentDeps) {}

  /** Runs until the signal aborts. */
  async run(): Promise<void> {
    const { nl, log, signal } = this.d;
    if (!this.opts.nodeName) throw new Error('-kube-subnet-mgr: the node name is unknown: set NODE_NAME (the DaemonSet passes spec.nodeName)');
    const ext = findExtIface(nl, this.opts.iface);
    const publicIP = this.opts.publicIP || ext.address;
    const vxlan = this.cfg.backend === 'vxlan' ? new Vxlan(nl, ext, { vni: this.cfg.vni, port: this.cfg.port, mtu: this.cfg.mtu }, log) : undefined;
    const backend: Backend = vxlan ?? new HostGw(nl, ext);
    log(`Kubernetes mode: node ${this.opts.nodeName}, interface ${ext.name} (${ext.address}), network ${formatNet4(this.cfg.network)}, backend ${backend.type}`);
    let published = ''; // the subnet whose VTEP annotations the API server has taken
    let nodes: ReadonlyMap<string, NodeInfo> = new Map();
    const reconcile = (): void => {
      const self = nodes.get(this.opts.nodeName);
      const sn = self ? podSubnet(self, this.cfg.network) : undefined;
      if (!sn) {
        if (!this.own) log(`waiting: node ${this.opts.nodeName} has no podCIDR in ${formatNet4(this.cfg.network)} yet; no conflist until it has`);
      } else if (!this.own || formatNet4(this.own) !== formatNet4(sn)) {
        this.own = sn;
        log(`subnet ${formatNet4(sn)} (the node's podCIDR)`);
        vxlan?.assign(sn);
        this.writeFiles(sn, backend.mtu);
      }
      if (vxlan && this.own && published !== formatNet4(this.own)) {
        const at = formatNet4(this.own);
        published = at;
        void this.publish(vxlan.vtep, publicIP).catch((e: unknown) => { published = ''; log(`waiting: cannot annotate node ${this.opts.nodeName} with its VTEP (${(e as Error).message}); retrying`); });
      }
      const c = backend.reconcile(kubePeers(nodes, this.opts.nodeName, this.cfg.network, vxlan !== undefined));
      if (c.added || c.removed) log(`reconciled: ${c.added} added, ${c.removed} removed`);
      for (const f of c.failed) log(`kernel: ${f}`);
      void this.ensureRules();
    };
    const timer = setInterval(reconcile, KUBE_RECONCILE_MS);
    try {
      await watchNodes(this.d.client, { onChange: (n) => { nodes = new Map(n); reconcile(); }, log }, signal);
    } finally {
      clearInterval(timer);
    }
  }

  /** Our VTEP in our Node's annotations, as flannel's kube subnet manager writes them. */
  private async publish(vtep: { vni: number; mac: string }, publicIP: string): Promise<void> {
    // through the status subresource, as flannel: RBAC then needs only `patch` on nodes/status
    await this.d.client.patch(`/api/v1/nodes/${encodeURIComponent(this.opts.nodeName)}/status`, { metadata: { annotations: {
      [ANNOTATION.backendType]: 'vxlan',
      [ANNOTATION.backendData]: JSON.stringify({ VNI: vtep.vni, VtepMAC: vtep.mac }),
      [ANNOTATION.publicIP]: publicIP,
      [ANNOTATION.kubeSubnetManager]: 'true',
    } } }, this.d.signal);
    this.d.log(`node ${this.opts.nodeName} annotated with its VTEP ${vtep.mac}`);
  }

  private writeFiles(subnet: Net4, mtu: number): void {
    writeNodeFiles(this.opts, this.cfg.network, subnet, mtu);
  }

  private async ensureRules(): Promise<void> {
    if (this.own) await keepTrafficRules(this.d.runner, this.opts, formatNet4(this.cfg.network), formatNet4(this.own), this.d.log);
  }
}
