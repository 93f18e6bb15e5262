// The shim <-> daemon wire format and the daemon's decisions (pure code; the C side is
// exercised end to end in test/e2e/daemon.test.ts).
import { describe, expect, it } from 'vitest';
import { attachmentKey, declineReason } from '../../lib/daemon/admit';
import { DECLINE, encodeRequest, encodeResponse, parseRequest, parseResponse, ProtocolError, PROTO_VERSION, RequestReader } from '../../lib/daemon/protocol';
import { AttachmentQueue } from '../../lib/daemon/queue';
import { parseDaemonArgs } from '../../lib/daemon/server';

const req = {
  build: '0.1.0-abc', plugin: 'bridge', namespaces: 'net:4:1 mnt:4:2 user:4:3', cwd: '/',
  env: { CNI_COMMAND: 'ADD', CNI_ARGS: 'A=b=c', EMPTY: '' }, stdin: Buffer.from('{"cniVersion":"1.0.0"} ünïcode'),
};

describe('request codec', () => {
  it('round-trips a request, and needs every byte of it', () => {
    const bytes = encodeRequest(req);
    expect(parseRequest(bytes)).toEqual({ ...req, version: PROTO_VERSION });
    for (let n = 0; n < bytes.length; n++) expect(parseRequest(bytes.subarray(0, n))).toBeUndefined();
  });

  it('keeps the first of duplicate env entries, as getenv does, and skips entries without a name', () => {
    const parts: Buffer[] = [];
    const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
    const str = (s: string) => { u32(Buffer.byteLength(s)); parts.push(Buffer.from(s)); };
    parts.push(Buffer.from('CNTS')); u32(PROTO_VERSION);
    for (const s of ['b', 'bridge', 'ns', '/']) str(s);
    u32(3); str('X=1'); str('X=2'); str('=junk');
    str('');
    expect(parseRequest(Buffer.concat(parts))?.env).toEqual({ X: '1' });
  });

  it('decodes env into a null-prototype object: constructor and __proto__ are plain names', () => {
    const env = parseRequest(encodeRequest({ ...req, env: { constructor: 'c', toString: 't', hasOwnProperty: 'h' } }))?.env;
    expect(Object.getPrototypeOf(env)).toBeNull();
    expect({ ...env }).toEqual({ constructor: 'c', toString: 't', hasOwnProperty: 'h' });
    // __proto__ cannot be an own key of an object literal: write the entry by hand
    const bytes = encodeRequest({ ...req, env: { A: '1' } });
    const withProto = Buffer.from(bytes.toString('latin1').replace('A=1', '__proto__=x'), 'latin1');
    const fixed = Buffer.concat([withProto]);
    const i = bytes.indexOf('A=1') - 4;
    fixed.writeUInt32LE('__proto__=x'.length, i);
    const got = parseRequest(fixed)?.env as Record<string, string>;
    expect(Object.keys(got)).toEqual(['__proto__']);
    expect(got['__proto__']).toBe('x');
  });

  it('frames a 1 MB stdin sent in 1-byte chunks in linear time', () => {
    const big = { ...req, stdin: Buffer.alloc(1 << 20, 0x61) };
    const bytes = encodeRequest(big);
    const t0 = performance.now();
    const r = new RequestReader();
    let early = 0;
    for (let i = 0; i < bytes.length - 1; i++) if (r.push(bytes.subarray(i, i + 1))) early++;
    const got = r.push(bytes.subarray(bytes.length - 1));
    const ms = performance.now() - t0;
    expect(early).toBe(0);
    expect(got?.stdin.equals(big.stdin)).toBe(true);
    // quadratic framing needs minutes here (1 M re-parses of up to 1 MB); linear takes well under a second
    expect(ms).toBeLessThan(5000);
  });

  it('frames any split of a request into chunks alike', () => {
    const bytes = encodeRequest(req);
    for (let cut = 1; cut < bytes.length; cut += 3) {
      const r = new RequestReader();
      expect(r.push(bytes.subarray(0, cut))).toBeUndefined();
      expect(r.push(bytes.subarray(cut))).toEqual({ ...req, version: PROTO_VERSION });
    }
  });

  it.each([
    ['another magic', Buffer.from('HTTP/1.1 GET')],
    ['a field larger than any request', Buffer.concat([Buffer.from('CNTS'), Buffer.from([1, 0, 0, 0]), Buffer.from([0xff, 0xff, 0xff, 0x7f])])],
  ])('refuses %s', (_, bytes) => {
    expect(() => parseRequest(bytes)).toThrow(ProtocolError);
  });

  it('reads only the version of a shim of another protocol (the daemon then declines)', () => {
    const bytes = encodeRequest({ ...req, version: 9 });
    expect(parseRequest(bytes.subarray(0, 8))?.version).toBe(9);
  });
});

describe('response codec', () => {
  it.each([
    [{ status: 0, stdout: '{\n    "cniVersion": "1.0.0"\n}', stderr: '' }],
    [{ status: 1, stdout: '{"code":7}', stderr: 'warning ü\n' }],
    [{ status: DECLINE, stdout: '', stderr: '' }],
  ])('round-trips %j', (r) => {
    const bytes = encodeResponse(r);
    expect(parseResponse(bytes)).toEqual(r);
    expect(parseResponse(bytes.subarray(0, bytes.length - 1))).toBeUndefined();
  });
});

describe('declineReason', () => {
  const plugins = ['bridge', 'host-local'];
  const ok = { ...req, version: PROTO_VERSION };
  it.each([
    ['serves a trusted peer with a shim of this build', ok, undefined, undefined],
    ['another protocol, whoever asks', { ...ok, version: 2 }, undefined, 'shim protocol 2, daemon speaks 1'],
    ['an untrusted peer, whatever it claims', ok, 'peer lacks CAP_NET_ADMIN', 'peer lacks CAP_NET_ADMIN'],
    ['another build', { ...ok, build: '0.1.0-def' }, undefined, 'shim of build 0.1.0-def, daemon of build 0.1.0-abc'],
    ['an unknown plugin', { ...ok, plugin: 'flannel' }, undefined, 'unknown plugin "flannel"'],
  ])('%s', (_, r, refused, want) => {
    expect(declineReason(r, refused, plugins, '0.1.0-abc')).toBe(want);
  });
  it('never looks at the namespaces the shim claims', () => {
    expect(declineReason({ ...ok, namespaces: 'net:1:1 mnt:1:1 user:1:1' }, undefined, plugins, '0.1.0-abc')).toBeUndefined();
  });
});

describe('attachmentKey', () => {
  const env = (cmd: string) => ({ CNI_COMMAND: cmd, CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' });
  const conf = Buffer.from('{"name":"net1"}');
  it('is the same for ADD, CHECK and DEL of one attachment, none for VERSION/STATUS/GC', () => {
    expect(attachmentKey(env('ADD'), conf)).toBe(attachmentKey(env('DEL'), conf));
    expect(attachmentKey(env('CHECK'), conf)).toBe(attachmentKey(env('DEL'), conf));
    expect(attachmentKey(env('ADD'), conf)).not.toBe(attachmentKey(env('ADD'), Buffer.from('{"name":"net2"}')));
    expect(attachmentKey({ ...env('ADD'), CNI_IFNAME: 'eth1' }, conf)).not.toBe(attachmentKey(env('ADD'), conf));
    for (const v of ['VERSION', 'STATUS', 'GC']) expect(attachmentKey(env(v), conf)).toBeUndefined();
    expect(attachmentKey(env('ADD'), Buffer.from('{not json'))).toBeDefined();
  });
});

describe('AttachmentQueue', () => {
  const job = (key: string | undefined) => ({ key, client: {} as unknown });
  const undoJob = (key: string) => ({ key, client: undefined as unknown });
  it('runs one job per attachment at a time, in arrival order, and others beside it', () => {
    const q = new AttachmentQueue(10);
    const [a1, a2, b1, n1] = [job('a'), job('a'), job('b'), job(undefined)];
    for (const j of [a1, a2, b1, n1]) expect(q.add(j)).toBe(true);
    expect(q.take()).toBe(a1);
    expect(q.take()).toBe(b1);
    expect(q.take()).toBe(n1);
    expect(q.take()).toBeUndefined();
    q.finish(a1);
    expect(q.take()).toBe(a2);
  });
  it('puts an undo ahead of what waits for its attachment', () => {
    const q = new AttachmentQueue(10);
    const [add, del] = [job('a'), job('a')];
    q.add(add); expect(q.take()).toBe(add); q.add(del);
    const undo = undoJob('a');
    q.finish(add); q.add(undo, true);
    expect(q.take()).toBe(undo);
    expect(q.take()).toBeUndefined();
  });
  it('is bounded for new attachments, but never turns away one that must wait its turn', () => {
    const q = new AttachmentQueue(2);
    const a = job('a');
    q.add(a); q.take();
    expect(q.add(job('b'))).toBe(true);
    expect(q.add(job('c'))).toBe(true);
    expect(q.add(job('d'))).toBe(false);
    expect(q.add(job(undefined))).toBe(false);
    expect(q.add(job('a'))).toBe(true); // behind the running `a`: declining would let it run beside
    expect(q.add(undoJob('d'))).toBe(true); // the daemon's own undo is never refused
  });
  it('a job passed over by the filter still holds back its attachment', () => {
    const q = new AttachmentQueue(10);
    const [a1, a2] = [job('a'), job('a')];
    q.add(a1); q.add(a2);
    expect(q.take((j) => j !== a1)).toBeUndefined();
    expect(q.remove(a1)).toBe(true);
    expect(q.take()).toBe(a2);
  });
});

describe('parseDaemonArgs', () => {
  it.each([
    [[], 2, { socket: '/run/cnits/daemon.sock', workers: 4, queue: 64 }],
    [[], 16, { socket: '/run/cnits/daemon.sock', workers: 8, queue: 64 }],
    [[], 1, { socket: '/run/cnits/daemon.sock', workers: 2, queue: 64 }],
    [['--socket', '/tmp/x.sock', '--workers', '3', '--queue', '5'], 2, { socket: '/tmp/x.sock', workers: 3, queue: 5 }],
  ])('%j on %d cpus', (argv, cpus, want) => {
    expect(parseDaemonArgs(argv, cpus)).toEqual(want);
  });
  it.each([[['--workers', '0']], [['--workers', 'many']], [['--queue', '0']], [['--socket']], [['--frob']]])('refuses %j', (argv) => {
    expect(() => parseDaemonArgs(argv, 2)).toThrow(/usage: cnits daemon/);
  });
});
