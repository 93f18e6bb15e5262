// `cnits node` flags: flanneld's etcd-mode flags with flanneld's names and defaults
// (main.go), so a flanneld unit file or DaemonSet works by changing the binary, plus
// -cni-conf-dir. flanneld's FLANNELD_* environment variables work too.
import { applyEnv, type FlagDef, FlagError, parseGoFlags } from './goflag';

export interface NodeOptions {
  etcdEndpoints: string[];
  etcdPrefix: string;
  etcdCAFile: string;
  etcdCertFile: string;
  etcdKeyFile: string;
  etcdUsername: string;
  etcdPassword: string;
  /** interface names or addresses, tried in order */
  iface: string[];
  publicIP: string;
  subnetFile: string;
  ipMasq: boolean;
  ipMasqRandomFullyDisable: boolean;
  iptablesForwardRules: boolean;
  /** minutes before the lease expires at which it is renewed */
  subnetLeaseRenewMargin: number;
  /** where the bridge + host-local conflist goes; '' = none */
  cniConfDir: string;
  /** Kubernetes mode: subnets are the Nodes' podCIDRs, no etcd */
  kubeSubnetMgr: boolean;
  /** '' = in-cluster config */
  kubeconfigFile: string;
  /** Kubernetes mode: flannel's net-conf.json (Network, Backend) */
  netConfigPath: string;
  /** Kubernetes mode: this node's name (NODE_NAME, as flanneld) */
  nodeName: string;
  version: boolean;
}

export const NODE_FLAGS: readonly FlagDef[] = [
  { name: 'etcd-endpoints', kind: 'string', default: 'http://127.0.0.1:4001,http://127.0.0.1:2379', usage: 'a comma-delimited list of etcd endpoints' },
  { name: 'etcd-prefix', kind: 'string', default: '/coreos.com/network', usage: 'etcd prefix' },
  { name: 'etcd-keyfile', kind: 'string', usage: 'SSL key file used to secure etcd communication' },
  { name: 'etcd-certfile', kind: 'string', usage: 'SSL certification file used to secure etcd communication' },
  { name: 'etcd-cafile', kind: 'string', usage: 'SSL Certificate Authority file used to secure etcd communication' },
  { name: 'etcd-username', kind: 'string', usage: 'username for BasicAuth to etcd' },
  { name: 'etcd-password', kind: 'string', usage: 'password for BasicAuth to etcd' },
  { name: 'iface', kind: 'list', usage: 'interface to use (IP or name) for inter-host communication. Can be specified multiple times to check each option in order. Returns the first match found.' },
  { name: 'public-ip', kind: 'string', usage: 'IP accessible by other nodes for inter-host communication' },
  { name: 'subnet-file', kind: 'string', default: '/run/flannel/subnet.env', usage: 'filename where env variables (subnet, MTU, ... ) will be written to' },
  { name: 'subnet-lease-renew-margin', kind: 'int', default: '60', usage: 'subnet lease renewal margin, in minutes, ranging from 1 to 1439' },
  { name: 'ip-masq', kind: 'bool', default: 'false', usage: 'setup IP masquerade rule for traffic destined outside of overlay network' },
  { name: 'ip-masq-fully-random-disable', kind: 'bool', default: 'false', usage: 'disable fully-random mode for MASQUERADE' },
  { name: 'iptables-forward-rules', kind: 'bool', default: 'true', usage: 'add default accept rules to FORWARD chain in iptables' },
  { name: 'cni-conf-dir', kind: 'string', usage: 'write a bridge + host-local conflist for this node\'s subnet into this directory' },
  { name: 'kube-subnet-mgr', kind: 'bool', default: 'false', usage: 'contact the Kubernetes API for subnet assignment instead of etcd (host-gw)' },
  { name: 'kubeconfig-file', kind: 'string', usage: 'kubeconfig file location; default: in-cluster (service account)' },
  { name: 'net-config-path', kind: 'string', default: '/etc/kube-flannel/net-conf.json', usage: 'path to the network configuration file (Kubernetes mode)' },
  { name: 'version', kind: 'bool', default: 'false', usage: 'print version and exit' },
];

/** Parses argv (after `node`) with the FLANNELD_* environment; throws FlagError. */
export function parseNodeOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): NodeOptions {
  const parsed = parseGoFlags(NODE_FLAGS, argv);
  if (parsed.rest.length > 0) throw new FlagError(`unexpected argument ${JSON.stringify(parsed.rest[0])}`);
  applyEnv(NODE_FLAGS, parsed, 'FLANNELD', env);
  const v = parsed.values;
  const str = (name: string, dflt = ''): string => (v.get(name) as string | undefined) ?? dflt;
  const bool = (name: string, dflt = false): boolean => (v.get(name) as boolean | undefined) ?? dflt;
  const margin = (v.get('subnet-lease-renew-margin') as number | undefined) ?? 60;
  if (margin < 1 || margin > 1439) throw new FlagError('Invalid subnet-lease-renew-margin option, out of acceptable range');
  const endpoints = str('etcd-endpoints', 'http://127.0.0.1:4001,http://127.0.0.1:2379').split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (endpoints.length === 0) throw new FlagError('-etcd-endpoints: no endpoint given');
  return {
    etcdEndpoints: endpoints,
    etcdPrefix: str('etcd-prefix', '/coreos.com/network'),
    etcdCAFile: str('etcd-cafile'),
    etcdCertFile: str('etcd-certfile'),
    etcdKeyFile: str('etcd-keyfile'),
    etcdUsername: str('etcd-username'),
    etcdPassword: str('etcd-password'),
    iface: (v.get('iface') as string[] | undefined) ?? [],
    publicIP: str('public-ip'),
    subnetFile: str('subnet-file', '/run/flannel/subnet.env'),
    ipMasq: bool('ip-masq'),
    ipMasqRandomFullyDisable: bool('ip-masq-fully-random-disable'),
    iptablesForwardRules: bool('iptables-forward-rules', true),
    subnetLeaseRenewMargin: margin,
    cniConfDir: str('cni-conf-dir'),
    kubeSubnetMgr: bool('kube-subnet-mgr'),
    kubeconfigFile: str('kubeconfig-file'),
    netConfigPath: str('net-config-path', '/etc/kube-flannel/net-conf.json'),
    nodeName: env['NODE_NAME'] ?? '',
    version: bool('version'),
  };
}
