// `cnits node -kube-subnet-mgr`: flanneld's Kubernetes mode. The node's subnet is the
// podCIDR the controller manager assigned to its Node (no etcd); the network and backend come
// from net-conf.json (flannel's ConfigMap); peers are the other Nodes' podCIDRs via their
// InternalIPs, followed by list + watch (lib/kube). Until our own podCIDR is known no conflist
// is written, so kubelet keeps pods pending instead of wiring them wrong. host-gw only: vxlan
// would need each node's VTEP MAC published in its Node's annotations (patch rights), which
// this mode does not ask for.
import type { KubeClient } from '../kube/client';
import { type NodeInfo, watchNodes } from '../kube/nodes';
import type { Runner } from '../masq';
import type { Netlink } from '../netlink';
import { findExtIface, type Peer } from './backend';
import type { NetworkConfig } from './config';
import { CONFLIST_NAME, conflist, formatSubnetEnv, writeAtomic } from './files';
import { HostGw } from './hostgw';
import { ensureTrafficRules } from './masq';
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

/** Peers for host-gw: every other node with a podCIDR in the network and an IPv4 InternalIP. */
export function kubePeers(nodes: ReadonlyMap<string, NodeInfo>, self: string, network: Net4): Peer[] {
  const peers: Peer[] = [];
  for (const n of nodes.values()) {
    if (n.name === self) continue;
    const sn = podSubnet(n, network);
    const ip = n.internalIPs.find((a) => !a.includes(':'));
    if (sn && ip) peers.push({ subnet: formatNet4(sn), publicIP: ip });
  }
  return peers;
}

export class KubeAgent {
  private own: Net4 | undefined;

  constructor(private readonly opts: NodeOptions, private readonly cfg: NetworkConfig, private readonly d: KubeAgentDeps) {}

  /** Runs until the signal aborts. */
  async run(): Promise<void> {
    const { nl, log, signal } = this.d;
    if (this.cfg.backend !== 'host-gw') {
      throw new Error(`-kube-subnet-mgr: backend ${this.cfg.backend} is not supported in Kubernetes mode (host-gw only); use host-gw, or the etcd mode for vxlan`);
    }
    if (!this.opts.nodeName) throw new Error('-kube-subnet-mgr: the node name is unknown: set NODE_NAME (the DaemonSet passes spec.nodeName)');
    const ext = findExtIface(nl, this.opts.iface);
    const backend = new HostGw(nl, ext);
    log(`Kubernetes mode: node ${this.opts.nodeName}, interface ${ext.name} (${ext.address}), network ${formatNet4(this.cfg.network)}, backend host-gw`);
    let nodes: ReadonlyMap<string, NodeInfo> = new Map();
    const reconcile = (): void => {
      const self = nodes.get(this.opts.nodeName);
      const sn = self ? podSubnet(self, this.cfg.network) : undefined;
      if (!sn) {
        if (!this.own) log(`waiting: node ${this.opts.nodeName} has no podCIDR in ${formatNet4(this.cfg.network)} yet; no conflist until it has`);
      } else if (!this.own || formatNet4(this.own) !== formatNet4(sn)) {
        this.own = sn;
        log(`subnet ${formatNet4(sn)} (the node's podCIDR)`);
        this.writeFiles(sn, backend.mtu);
      }
      const c = backend.reconcile(kubePeers(nodes, this.opts.nodeName, this.cfg.network));
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

  private writeFiles(subnet: Net4, mtu: number): void {
    writeAtomic(this.opts.subnetFile, formatSubnetEnv({ network: this.cfg.network, subnet, mtu, ipMasq: this.opts.ipMasq }));
    if (this.opts.cniConfDir) writeAtomic(`${this.opts.cniConfDir.replace(/\/+$/, '')}/${CONFLIST_NAME}`, conflist({ network: this.cfg.network, subnet, mtu }));
  }

  private async ensureRules(): Promise<void> {
    if (!this.own || (!this.opts.ipMasq && !this.opts.iptablesForwardRules)) return;
    try {
      await ensureTrafficRules(this.d.runner, {
        network: formatNet4(this.cfg.network), podSubnet: formatNet4(this.own),
        ipMasq: this.opts.ipMasq, randomFully: !this.opts.ipMasqRandomFullyDisable, forward: this.opts.iptablesForwardRules,
      });
    } catch (e) {
      this.d.log(`iptables: ${(e as Error).message}`);
    }
  }
}
