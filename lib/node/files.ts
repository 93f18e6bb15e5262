// The files the agent leaves for others: /run/flannel/subnet.env (read by flannel's CNI
// plugin and by us on restart) and the conflist for the runtime. Both appear atomically
// (temp file in the same dir + rename), so a reader never sees half a file.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Net4, formatIP4, formatNet4, parseNet4 } from './net4';

export interface SubnetEnv {
  network: Net4;
  subnet: Net4;
  mtu: number;
  ipMasq: boolean;
}

/** pkg/subnet WriteSubnetFile: FLANNEL_SUBNET is the first usable address with the lease's length. */
export function formatSubnetEnv(e: SubnetEnv): string {
  return `FLANNEL_NETWORK=${formatNet4(e.network)}\nFLANNEL_SUBNET=${formatIP4(e.subnet.ip + 1)}/${e.subnet.len}\n`
    + `FLANNEL_MTU=${e.mtu}\nFLANNEL_IPMASQ=${e.ipMasq}\n`;
}

/** The lease subnet of a previous run (FLANNEL_SUBNET's network), as flanneld reads it on start. */
export function previousSubnet(text: string): Net4 | undefined {
  const m = /^FLANNEL_SUBNET=(.+)$/m.exec(text);
  return m ? parseNet4(m[1]!.trim(), true) : undefined;
}

export function readPreviousSubnet(path: string): Net4 | undefined {
  try { return previousSubnet(readFileSync(path, 'utf8')); } catch { return undefined; }
}

/** Writes `text` to `path` through a dot-temp file in the same directory and rename. */
export function writeAtomic(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  // a name CNI's conf loader ignores (no .conf/.conflist/.json suffix) and that no other writer picks
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface ConflistInput {
  network: Net4;
  subnet: Net4;
  mtu: number;
}

/**
 * What flannel's CNI plugin would hand its bridge delegate (cbr0 on cni0, gateway on the
 * bridge, host-local on the node's subnet, a route to the cluster network), as one conflist
 * so the runtime runs our bridge + host-local directly. One difference: the bridge never
 * masquerades (flannel's plugin sets ipMasq = !FLANNEL_IPMASQ). The bridge's rule NATs all
 * but its own /24, so pod-to-pod traffic across nodes would arrive from the node's address,
 * which pods with only a cluster route cannot answer; masquerading is -ip-masq's job,
 * whose rules know the cluster network.
 */
export function conflist(c: ConflistInput): string {
  return `${JSON.stringify({
    cniVersion: '1.0.0',
    name: 'cbr0',
    plugins: [{
      type: 'bridge',
      bridge: 'cni0',
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      mtu: c.mtu,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: formatNet4(c.subnet), gateway: formatIP4(c.subnet.ip + 1) }]],
        routes: [{ dst: formatNet4(c.network) }],
      },
    }],
  }, null, 2)}\n`;
}

export const CONFLIST_NAME = '10-cnits-node.conflist';

/** subnet.env and (with -cni-conf-dir) the conflist of the node's subnet: what both agent modes leave. */
export function writeNodeFiles(o: { subnetFile: string; cniConfDir: string; ipMasq: boolean }, network: Net4, subnet: Net4, mtu: number): void {
  writeAtomic(o.subnetFile, formatSubnetEnv({ network, subnet, mtu, ipMasq: o.ipMasq }));
  if (o.cniConfDir) writeAtomic(`${o.cniConfDir.replace(/\/+$/, '')}/${CONFLIST_NAME}`, conflist({ network, subnet, mtu }));
}
