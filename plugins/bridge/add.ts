// bridge ADD: the docker0 picture for one container, every step undone if a later one fails.
import { closeSync, openSync } from 'node:fs';
import { CniError, Code } from '../../lib/cni/errors';
import { ipamAdd } from '../../lib/cni/invoke';
import type { CmdArgs } from '../../lib/cni/plugin';
import { currentVersion, type Interface, type Result, type Route } from '../../lib/cni/types/current';
import { configureIface, defaultGateway, openNetns, randomVethName, trySysctl, waitOperUp } from '../../lib/link';
import { setupIPMasq, setupSpoofCheck, teardownIPMasq, teardownSpoofCheck } from '../../lib/masq';
import { type Link, type Netlink, NetlinkError, openNetlink } from '../../lib/netlink';
import { start } from '../../lib/settle';
import { type Undo, withUndo } from '../../lib/undo';
import { type BridgeConf, loadConfig } from './config';
import { GatewayAddrs, containerPort, ensureBridge, ensureVlanGateway, setupPort } from './host';

export async function add(args: CmdArgs): Promise<Result> {
  const conf = loadConfig(args);
  const host = openNetlink(null);
  let cont: Netlink | undefined;
  try {
    cont = openNetns(args.netns);
    const c = cont;
    return await withUndo((undo) => attach(host, c, conf, args, undo), (line) => args.stderr(`${line}\n`));
  } finally {
    cont?.close();
    host.close();
  }
}

async function attach(host: Netlink, cont: Netlink, conf: BridgeConf, args: CmdArgs, undo: Undo): Promise<Result> {
  const result: Result = { cniVersion: currentVersion, interfaces: [], ips: [], routes: [] };
  if (conf.ipamType) {
    const ipam = await ipamAdd(conf.ipamType, args, undo);
    result.ips = ipam.ips.map((ip) => ({ ...ip, interface: 2 }));
    result.routes = [...(ipam.routes ?? [])];
    if (ipam.dns) result.dns = ipam.dns;
    gateways(result, conf);
  }
  if (conf.dns) result.dns = conf.dns;
  // the netfilter rules are written by child processes while the links are set up here
  const cidrs = (result.ips ?? []).map((ip) => ip.address);
  const masqOn = conf.ipMasq && cidrs.length > 0;
  const masq = start(masqOn ? setupIPMasq(conf.ipMasqBackend, cidrs, conf.name, args.ifName, args.containerID) : undefined);
  if (masqOn) {
    undo.push('masquerade', async () => {
      await masq.done().catch(() => undefined);
      await teardownIPMasq(cidrs, conf.name, args.ifName, args.containerID, { configured: conf.ipMasqBackend });
    });
  }

  const br = ensureBridge(host, conf, undo);
  const { hostName, hostIndex, contIndex } = createVeth(host, cont, conf, args.netns, args.ifName, undo);
  setupPort(host, br, hostIndex, hostName, conf, containerPort(conf));
  let contMac = cont.linkByIndex(contIndex).mac ?? '';
  const spoof = start(conf.macspoofchk ? setupSpoofCheck(hostName, contMac, args.containerID, args.ifName) : undefined);
  if (conf.macspoofchk) {
    undo.push('spoof check', async () => {
      await spoof.done().catch(() => undefined);
      await teardownSpoofCheck(args.containerID, args.ifName);
    });
  }
  result.interfaces = [{ name: conf.bridge }, { name: hostName }, { name: args.ifName, sandbox: args.netns }];

  // container side
  if (conf.enabledad) {
    trySysctl(cont, `net/ipv6/conf/${args.ifName}/enhanced_dad`, '1');
    trySysctl(cont, `net/ipv6/conf/${args.ifName}/accept_dad`, '1');
  } else {
    trySysctl(cont, `net/ipv6/conf/${args.ifName}/accept_dad`, '0');
  }
  trySysctl(cont, `net/ipv4/conf/${args.ifName}/arp_notify`, '1');
  if (result.ips?.length) await configureIface(cont, args.ifName, result);

  let vlanGw: Link | undefined;
  if (conf.isGateway) {
    const forwarding = new Set<string>();
    let gws: GatewayAddrs | undefined;
    for (const ip of result.ips ?? []) {
      if (!ip.gateway) continue;
      const prefix = ip.address.split('/')[1];
      if (conf.vlan) vlanGw ??= ensureVlanGateway(host, br, conf, undo);
      gws ??= new GatewayAddrs(host, vlanGw ?? br, conf);
      gws.ensure(`${ip.gateway}/${prefix}`);
      forwarding.add(ip.gateway.includes(':') ? 'net/ipv6/conf/all/forwarding' : 'net/ipv4/ip_forward');
    }
    // once per family after its gateways, as the reference's enableIPForward (not once per address)
    for (const knob of forwarding) host.sysctl(knob, '1');
  }
  if (!conf.disableContainerInterface) {
    if (!result.ips?.length) cont.setLink(contIndex, { up: true });
    await waitOperUp(host, hostIndex);
  }
  await spoof.done();
  await masq.done();
  // MACs can change when a port joins (plugins#805): read them last
  contMac = cont.linkByIndex(contIndex).mac ?? contMac;
  const ifaces: Interface[] = [
    { name: conf.bridge, mac: host.linkByIndex(br.index).mac ?? '' },
    { name: hostName, mac: host.linkByIndex(hostIndex).mac ?? '' },
    { name: args.ifName, mac: contMac, sandbox: args.netns },
  ];
  if (vlanGw) ifaces.push({ name: vlanGw.name, mac: host.linkByIndex(vlanGw.index).mac ?? '' });
  result.interfaces = ifaces;
  return result;
}

/** veth pair: host end vethXXXXXXXX here, container end CNI_IFNAME created directly in the netns. */
function createVeth(host: Netlink, cont: Netlink, conf: BridgeConf, netns: string, ifName: string, undo: Undo) {
  if (cont.findLink(ifName)) throw new CniError(Code.Internal, `container veth name provided (${ifName}) already exists`);
  const fd = openSync(netns, 'r');
  try {
    for (let attempt = 0; ; attempt++) {
      const hostName = randomVethName();
      try {
        host.addLink({ kind: 'veth', name: hostName, ...(conf.mtu && { mtu: conf.mtu }),
          peer: { name: ifName, nsFd: fd, ...(conf.mtu && { mtu: conf.mtu }), ...(conf.mac && { mac: conf.mac }) } });
      } catch (err) {
        if (err instanceof NetlinkError && err.code === 'EEXIST' && attempt < 10 && !cont.findLink(ifName)) continue;
        throw new CniError(Code.Internal, `failed to create veth pair for "${ifName}": ${(err as Error).message}`, '', { cause: err });
      }
      const hostIndex = host.linkByName(hostName).index;
      undo.push('veth', () => { try { host.delLink(hostIndex); } catch { /* gone with the netns */ } });
      return { hostName, hostIndex, contIndex: cont.linkByName(ifName).index };
    }
  } finally {
    closeSync(fd);
  }
}

/** Gateways computed when IPAM gave none; default routes for isDefaultGateway (calcGateways). */
function gateways(result: Result, conf: BridgeConf): void {
  const routes: Route[] = result.routes ?? [];
  const done = new Set<string>();
  for (const ip of result.ips ?? []) {
    const v6 = ip.address.includes(':');
    if (!ip.gateway && conf.isGateway) ip.gateway = defaultGateway(ip.address);
    if (!conf.isDefaultGateway || !ip.gateway || done.has(v6 ? '6' : '4')) continue;
    done.add(v6 ? '6' : '4');
    const dflt = v6 ? '::/0' : '0.0.0.0/0';
    if (!routes.some((r) => r.dst === dflt && r.gw)) routes.push({ dst: dflt, gw: ip.gateway });
  }
  result.routes = routes;
}
