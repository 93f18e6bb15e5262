// Snapshot-build warm-up of lib/netlink: the handle's request/dump loops and the codec run
// once against an in-memory kernel that ACKs every request and answers gets and dumps
// with one synthesized entry, so a plugin exec finds them compiled. No socket is opened
// (the addon cannot be loaded while the snapshot is built).
import { AF, NLM_F, RTM } from '../lib/netlink/constants';
import { decodeMsgs, encodeDone, encodeError, encodeMsg, type NlMsg } from '../lib/netlink/codec';
import { encodeAddr, addrFromSpec } from '../lib/netlink/addr';
import { encodeNewLink } from '../lib/netlink/link';
import { encodeRoute, routeFromSpec } from '../lib/netlink/route';
import { Netlink } from '../lib/netlink/rtnl';
import type { RawNetlink } from '../lib/netlink/transport';

const link = encodeNewLink({ kind: 'veth', name: 'warm0', mtu: 1500, mac: '02:00:00:00:00:01', peer: { name: 'warm1' } });
const addr = encodeAddr(addrFromSpec(1, { address: '10.0.0.2', prefixLen: 24 }));
const route = encodeRoute(routeFromSpec({ dst: '10.1.0.0/16', gateway: '10.0.0.1', oif: 1 }));
const answers: Record<number, Uint8Array> = { [RTM.GETLINK]: link, [RTM.GETADDR]: addr, [RTM.GETROUTE]: route };
const replyType: Record<number, number> = { [RTM.GETLINK]: RTM.NEWLINK, [RTM.GETADDR]: RTM.NEWADDR, [RTM.GETROUTE]: RTM.NEWROUTE };

class WarmKernel implements RawNetlink {
  private queue: Uint8Array[] = [];
  send(bytes: Uint8Array): void {
    const req: NlMsg = decodeMsgs(bytes)[0]!;
    const h = { type: 0, flags: 0, seq: req.seq, pid: 1 };
    const payload = answers[req.type];
    if (payload && req.flags & NLM_F.DUMP) {
      this.queue.push(encodeMsg({ ...h, type: replyType[req.type]!, flags: NLM_F.MULTI }, payload), encodeDone({ ...h, flags: NLM_F.MULTI }));
    } else if (payload) {
      this.queue.push(encodeMsg({ ...h, type: replyType[req.type]! }, payload), encodeError(h, { errno: 0, request: bytes, capped: true }));
    } else {
      this.queue.push(encodeError(h, { errno: 0, request: bytes, capped: true }));
    }
  }
  async sendAsync(bytes: Uint8Array): Promise<void> {
    this.send(bytes);
  }
  recv(): Uint8Array {
    const next = this.queue.shift();
    // never wait: an unanswered request fails the warm-up (and so the build) instead of hanging it
    if (!next) throw Object.assign(new Error('ETIMEDOUT: warm-up kernel has no answer'), { code: 'ETIMEDOUT' });
    return next;
  }
  close(): void {
    this.queue = [];
  }
}

export async function warmupNetlink(): Promise<void> {
  const nl = new Netlink(new WarmKernel(), { read: () => '0\n', write: () => undefined }, '/warmup');
  try {
    for (let i = 0; i < 3; i++) {
      nl.findLink('warm0');
      const l = nl.linkByName('warm0');
      nl.linkByIndex(l.index);
      nl.links({ master: 1 });
      nl.addLink({ kind: 'bridge', name: 'warmbr0', mac: '02:00:00:00:00:02', bridge: { vlanFiltering: true } });
      nl.addLink({ kind: 'veth', name: 'warm2', mtu: 1400, peer: { name: 'eth0', nsFd: 3, mac: '02:00:00:00:00:03' } });
      nl.addLink({ kind: 'macvlan', name: 'warm3', parent: 1, mode: 'bridge', nsFd: 3 });
      nl.addLink({ kind: 'ipvlan', name: 'warm4', parent: 1, mode: 'l2', flag: 'bridge', nsFd: 3 });
      nl.setLink(1, { up: true, master: 2, mac: '02:00:00:00:00:04', promisc: true, name: 'warm5' });
      nl.setBridgePort(1, { hairpin: false, isolated: false });
      nl.addAddr(1, '10.0.0.2/24');
      nl.addAddr(1, { address: 'fd00::2', prefixLen: 64, flags: 0x02 });
      nl.addrs(1, AF.INET6);
      nl.addRoute({ dst: '0.0.0.0/0', gateway: '10.0.0.1', oif: 1 });
      nl.routes({ family: AF.INET });
      nl.sysctl('net/ipv4/conf/eth0/arp_notify', '1');
      nl.sysctl('net/ipv6/conf/eth0/disable_ipv6');
      nl.delLink(1);
      await nl.delLinkAsync(1);
    }
  } finally {
    nl.close();
  }
}
