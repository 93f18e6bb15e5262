// The shim <-> daemon wire format and the daemon's decisions (pure code; the C side is
// exercised end to end in test/e2e/daemon.test.ts).
import { describe, expect, it } from 'vitest';
import { DECLINE, encodeRequest, encodeResponse, parseRequest, parseResponse, ProtocolError, PROTO_VERSION } from '../../lib/daemon/protocol';
import { parseDaemonArgs } from '../../lib/daemon/server';
import { declineReason } from '../../lib/daemon/worker';
import type { Plugin } from '../../lib/cni/plugin';

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
  const plugins = [{ name: 'bridge' }, { name: 'host-local' }] as unknown as Plugin[];
  const own = { build: '0.1.0-abc', namespaces: 'net:4:1 mnt:4:2 user:4:3' };
  const ok = { ...req, version: PROTO_VERSION };
  it.each([
    ['serves a shim of this build in these namespaces', ok, undefined],
    ['another protocol', { ...ok, version: 2 }, 'shim protocol 2, daemon speaks 1'],
    ['another build', { ...ok, build: '0.1.0-def' }, 'shim of build 0.1.0-def, daemon of build 0.1.0-abc'],
    ['another netns', { ...ok, namespaces: 'net:4:9 mnt:4:2 user:4:3' }, 'shim in other namespaces (net:4:9 mnt:4:2 user:4:3)'],
    ['another mount ns', { ...ok, namespaces: 'net:4:1 mnt:4:8 user:4:3' }, 'shim in other namespaces (net:4:1 mnt:4:8 user:4:3)'],
    ['an unknown plugin', { ...ok, plugin: 'flannel' }, 'unknown plugin "flannel"'],
  ])('%s', (_, r, want) => {
    expect(declineReason(r, plugins, own)).toBe(want);
  });
});

describe('parseDaemonArgs', () => {
  it.each([
    [[], 2, { socket: '/run/cnits/daemon.sock', workers: 4 }],
    [[], 16, { socket: '/run/cnits/daemon.sock', workers: 8 }],
    [[], 1, { socket: '/run/cnits/daemon.sock', workers: 2 }],
    [['--socket', '/tmp/x.sock', '--workers', '3'], 2, { socket: '/tmp/x.sock', workers: 3 }],
  ])('%j on %d cpus', (argv, cpus, want) => {
    expect(parseDaemonArgs(argv, cpus)).toEqual(want);
  });
  it.each([[['--workers', '0']], [['--workers', 'many']], [['--socket']], [['--frob']]])('refuses %j', (argv) => {
    expect(() => parseDaemonArgs(argv, 2)).toThrow(/usage: cnits daemon/);
  });
});
