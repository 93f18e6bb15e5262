// The Netlink handle's request/ACK and dump loops over a fake kernel (a RawNetlink that
// answers from a function): sequence numbers, multi-part dumps, NLM_F_DUMP_INTR retries,
// error mapping, timeouts. No sockets, no root.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concat, decodeMsgs, encodeDone, encodeError, encodeMsg, type NlMsg } from '../../lib/netlink/codec';
import { AF, NLM_F, RTM } from '../../lib/netlink/constants';
import { NetlinkError } from '../../lib/netlink/errors';
import { encodeRoute, routeFromSpec } from '../../lib/netlink/route';
import { DUMP_ATTEMPTS, Netlink } from '../../lib/netlink/rtnl';
import type { RawNetlink, SysctlIO } from '../../lib/netlink/transport';

const fixturePayload = (name: string): Uint8Array => {
  const text = readFileSync(join(__dirname, 'fixtures/netlink', name), 'utf8');
  const bytes = new Uint8Array(Buffer.from(text.split('\n').filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, ''), 'hex'));
  return decodeMsgs(bytes)[0]!.payload;
};
const VETH = fixturePayload('link-veth.hex');
const BRIDGE = fixturePayload('link-bridge.hex');

type Answer = (req: NlMsg, raw: Uint8Array, n: number) => Uint8Array[];

/** A kernel that answers each request with the datagrams `answer` returns. */
class FakeKernel implements RawNetlink {
  readonly sent: NlMsg[] = [];
  private readonly queue: Uint8Array[] = [];
  closed = 0;
  constructor(private readonly answer: Answer) {}
  send(bytes: Uint8Array): void {
    const [m] = decodeMsgs(bytes);
    this.sent.push(m!);
    this.queue.push(...this.answer(m!, bytes, this.sent.length));
  }
  recv(): Uint8Array {
    const d = this.queue.shift();
    if (!d) throw Object.assign(new Error('ETIMEDOUT: connection timed out, recv'), { code: 'ETIMEDOUT', errno: -110, syscall: 'recv' });
    return d;
  }
  close(): void { this.closed++; }
}

const h = (req: NlMsg, flags = 0): { type: number; flags: number; seq: number; pid: number } => ({ type: 0, flags, seq: req.seq, pid: 4242 });
const ack = (req: NlMsg, raw: Uint8Array): Uint8Array => encodeError(h(req), { errno: 0, request: raw, capped: true });
const fail = (req: NlMsg, raw: Uint8Array, errno: number, extack?: string): Uint8Array =>
  encodeError(h(req), { errno, request: raw, ...(extack === undefined ? {} : { extack }) });
const entry = (req: NlMsg, type: number, payload: Uint8Array, flags: number = NLM_F.MULTI): Uint8Array => encodeMsg({ ...h(req), type, flags }, payload);
const done = (req: NlMsg, flags: number = NLM_F.MULTI): Uint8Array => encodeDone(h(req, flags));

const handle = (answer: Answer, sysctls?: SysctlIO): { nl: Netlink; k: FakeKernel } => {
  const k = new FakeKernel(answer);
  return { nl: new Netlink(k, sysctls, '/var/run/netns/ctr'), k };
};

describe('requests', () => {
  it('sends REQUEST|ACK with fresh sequence numbers and returns at the ACK', () => {
    const { nl, k } = handle((req, raw) => [ack(req, raw)]);
    nl.setLink(3, { up: true });
    nl.delLink(3);
    expect(k.sent.map((m) => [m.type, m.flags])).toEqual([[RTM.SETLINK, NLM_F.REQUEST | NLM_F.ACK], [RTM.DELLINK, NLM_F.REQUEST | NLM_F.ACK]]);
    expect(k.sent[1]!.seq).toBe((k.sent[0]!.seq + 1) >>> 0);
    nl.addAddr(3, '10.0.0.2/24');
    expect(k.sent[2]!.flags).toBe(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL);
  });

  it('a GET returns the reply that precedes the ACK; stale answers to other sequence numbers are skipped', () => {
    const { nl } = handle((req, raw) => [
      entry({ ...req, seq: req.seq - 1 }, RTM.NEWLINK, BRIDGE, 0), // late reply to an abandoned request
      concat([entry(req, RTM.NEWLINK, VETH, 0), ack(req, raw)]),
    ]);
    expect(nl.linkByName('veth0')).toMatchObject({ name: 'veth0', index: 3, kind: 'veth', master: 2 });
  });

  it('kernel errors become NetlinkError with code, errno, Go text, extack and op', () => {
    const { nl } = handle((req, raw) => [fail(req, raw, 17, 'ipv4: Address already assigned')]);
    let err: unknown;
    try { nl.addAddr(2, '10.251.7.2/24'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({
      code: 'EEXIST', errno: -17, text: 'file exists', extack: 'ipv4: Address already assigned',
      op: 'add address 10.251.7.2/24 to link 2',
      message: 'add address 10.251.7.2/24 to link 2 (in /var/run/netns/ctr): file exists: ipv4: Address already assigned',
    });
  });

  it('errno names follow glibc/Go (EOPNOTSUPP), not libuv (ENOTSUP)', () => {
    const { nl } = handle((req, raw) => [fail(req, raw, 95)]);
    expect(() => nl.addLink({ kind: 'ipvlan', name: 'ipv0', parent: 2, mode: 'l2' })).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP', text: 'operation not supported', extack: undefined }));
  });

  it('findLink: undefined on ENODEV, other errors thrown', () => {
    expect(handle((req, raw) => [fail(req, raw, 19)]).nl.findLink('nope')).toBeUndefined();
    expect(() => handle((req, raw) => [fail(req, raw, 1)]).nl.findLink('nope')).toThrow(expect.objectContaining({ code: 'EPERM' }));
  });

  it('no answer: NetlinkError ETIMEDOUT with the transport error as cause', () => {
    const { nl } = handle(() => []);
    expect(() => nl.delLink(9)).toThrow(expect.objectContaining({ code: 'ETIMEDOUT', op: 'delete link 9: no answer from the kernel', cause: expect.objectContaining({ syscall: 'recv' }) }));
  });

  it('close is idempotent', () => {
    const { nl, k } = handle(() => []);
    nl.close();
    nl.close();
    expect(k.closed).toBe(1);
  });
});

describe('dumps', () => {
  it('collects entries across datagrams until NLMSG_DONE, without ACK flag', () => {
    const { nl, k } = handle((req) => [entry(req, RTM.NEWLINK, BRIDGE), concat([entry(req, RTM.NEWLINK, VETH), done(req)])]);
    expect(nl.links().map((l) => l.name)).toEqual(['br0', 'veth0']);
    expect(k.sent[0]!.flags).toBe(NLM_F.REQUEST | NLM_F.DUMP);
    expect(nl.links({ master: 2 }).map((l) => l.name)).toEqual(['veth0']); // userspace filter too
  });

  it('restarts the whole dump when NLM_F_DUMP_INTR is set, and returns the clean result', () => {
    const { nl, k } = handle((req, _raw, n) => n === 1
      ? [entry(req, RTM.NEWLINK, BRIDGE, NLM_F.MULTI | NLM_F.DUMP_INTR), done(req, NLM_F.MULTI | NLM_F.DUMP_INTR)]
      : [concat([entry(req, RTM.NEWLINK, BRIDGE), entry(req, RTM.NEWLINK, VETH), done(req)])]);
    expect(nl.links().map((l) => l.name)).toEqual(['br0', 'veth0']);
    expect(k.sent).toHaveLength(2);
    expect(k.sent[1]!.seq).not.toBe(k.sent[0]!.seq);
  });

  it(`gives up with EINTR after ${DUMP_ATTEMPTS} interrupted attempts`, () => {
    const { nl, k } = handle((req) => [entry(req, RTM.NEWLINK, VETH, NLM_F.MULTI | NLM_F.DUMP_INTR), done(req, NLM_F.MULTI)]);
    expect(() => nl.links()).toThrow(expect.objectContaining({ code: 'EINTR', op: `list links (dump interrupted ${DUMP_ATTEMPTS} times)` }));
    expect(k.sent).toHaveLength(DUMP_ATTEMPTS);
  });

  it('an error in NLMSG_DONE or in place of the dump is thrown', () => {
    expect(() => handle((req) => [encodeDone(h(req, NLM_F.MULTI), 95)]).nl.links()).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
    expect(() => handle((req, raw) => [fail(req, raw, 22, 'Invalid values in header for link dump request')]).nl.links())
      .toThrow(expect.objectContaining({ code: 'EINVAL', extack: 'Invalid values in header for link dump request' }));
  });

  it('routes: main table by default, cached clones and other tables dropped in userspace', () => {
    const main = routeFromSpec({ dst: '10.1.0.0/16', oif: 2 });
    const other = routeFromSpec({ dst: '10.2.0.0/16', oif: 2, table: 1000 });
    const cloned = { ...routeFromSpec({ dst: '10.3.0.0/16', oif: 2 }), flags: 0x200 };
    const { nl, k } = handle((req) => [concat([main, other, cloned].map((r) => entry(req, RTM.NEWROUTE, encodeRoute(r)))), done(req)]);
    expect(nl.routes({ family: AF.INET }).map((r) => r.dst)).toEqual(['10.1.0.0']);
    expect(nl.routes({ table: 0 }).map((r) => r.dst)).toEqual(['10.1.0.0', '10.2.0.0']);
    expect(k.sent[0]!.payload.subarray(0, 12)).toEqual(Uint8Array.of(AF.INET, 0, 0, 0, 254, 0, 0, 0, 0, 0, 0, 0));
  });
});

describe('sysctl', () => {
  it('reads (trailing newline dropped) and writes through the handle netns, dotted names accepted', () => {
    const files = new Map<string, string>([['net/ipv4/ip_forward', '0\n']]);
    const io: SysctlIO = { read: (p) => files.get(p) ?? '', write: (p, v) => void files.set(p, v) };
    const { nl } = handle(() => [], io);
    expect(nl.sysctl('net.ipv4.ip_forward')).toBe('0');
    expect(nl.sysctl('net/ipv4/conf/eth0.100/arp_notify', '1')).toBe('1');
    expect(files.get('net/ipv4/conf/eth0.100/arp_notify')).toBe('1');
    expect(() => handle(() => []).nl.sysctl('net.ipv4.ip_forward')).toThrow(TypeError);
  });
});
