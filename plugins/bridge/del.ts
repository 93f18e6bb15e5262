// bridge DEL, CHECK, STATUS, GC.
import { CniError, Code } from '../../lib/cni/errors';
import { delegate } from '../../lib/cni/invoke';
import type { CmdArgs } from '../../lib/cni/plugin';
import { gcIPMasq, teardownIPMasq, teardownSpoofCheck } from '../../lib/masq';
import { netnsExists, openNetlink } from '../../lib/netlink';
import { start } from '../../lib/settle';
import { loadConfig } from './config';

/**
 * Removes the container's veth (the host end goes with it), releases IPAM, and removes
 * the spoof check and masquerade rules — the rules even when CNI_NETNS is empty or gone
 * (plugins#810): iptables chains are named by network+container, nft rules by comment.
 * The netfilter work runs in child processes while the kernel unregisters the veth.
 */
export async function del(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  const ips = new Set((conf.prevResult?.ips ?? []).map((ip) => ip.address));
  const nl = args.netns && safeExists(args.netns) ? openNetlink(args.netns) : undefined;
  try {
    const link = nl?.findLink(args.ifName);
    if (nl && link) for (const a of nl.addrs(link.index)) if (a.scope === 0) ips.add(`${a.address}/${a.prefixLen}`);
    const masq = start(conf.ipMasq ? teardownIPMasq([...ips], conf.name, args.ifName, args.containerID, { configured: conf.ipMasqBackend }) : undefined);
    const spoof = start(conf.macspoofchk ? teardownSpoofCheck(args.containerID, args.ifName)
      .catch((err: Error) => args.stderr(`spoof check teardown: ${err.message}\n`)) : undefined);
    if (nl && link) {
      try {
        await nl.delLinkAsync(link.index);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENODEV') throw err;
      }
    }
    if (conf.ipamType) await delegate(conf.ipamType, 'DEL', args);
    await spoof.done();
    await masq.done();
  } finally {
    nl?.close();
  }
}

function safeExists(path: string): boolean {
  try {
    return netnsExists(path);
  } catch {
    return false;
  }
}

export async function status(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  if (conf.ipamType) await delegate(conf.ipamType, 'STATUS', args);
}

/** Beyond the reference: masquerade rules of attachments not in cni.dev/valid-attachments go. */
export async function gc(args: CmdArgs): Promise<void> {
  const conf = loadConfig(args);
  const errors: string[] = [];
  if (conf.ipamType) await delegate(conf.ipamType, 'GC', args).catch((e: Error) => errors.push(e.message));
  const raw = args.conf['cni.dev/valid-attachments'] ?? args.conf['cni.dev/attachments'];
  const valid = Array.isArray(raw) ? raw.filter((a): a is { containerID: string; ifname: string } =>
    !!a && typeof a === 'object' && typeof a.containerID === 'string' && typeof a.ifname === 'string') : [];
  if (conf.ipMasq && raw !== undefined) await gcIPMasq(conf.name, valid).catch((e: Error) => errors.push(e.message));
  if (errors.length) throw new CniError(Code.Internal, errors.join('; '));
}

