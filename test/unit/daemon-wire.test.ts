// The shim <-> daemon wire format is written twice, in TypeScript (lib/daemon/protocol.ts)
// and in C (lib/daemon/shim.c). Both are held to one test vector, lib/daemon/wire-vector.json:
// the TS codec encodes and parses its bytes; the C encoder (shim.c built with
// -DCNITS_SHIM_ENCODE) writes the same request bytes; the real shim, answered by a socket
// that sends the vector's response, prints exactly its stdout, stderr and status.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRequest, encodeResponse, parseRequest, parseResponse } from '../../lib/daemon/protocol';
import { tempDir } from '../e2e/helpers';

const root = resolve(__dirname, '../..');
const shimSource = join(root, 'lib/daemon/shim.c');
const vector = JSON.parse(readFileSync(join(root, 'lib/daemon/wire-vector.json'), 'utf8')) as {
  request: { build: string; plugin: string; namespaces: string; cwd: string; env: [string, string][]; stdin: string; hex: string };
  response: { status: number; stdout: string; stderr: string; hex: string };
};
const req = vector.request;
const fields = { build: req.build, plugin: req.plugin, namespaces: req.namespaces, cwd: req.cwd, stdin: Buffer.from(req.stdin) };
const hasGcc = spawnSync('gcc', ['--version']).status === 0;

describe('wire format: one test vector for the TS codec and the C shim', () => {
  const dir = tempDir('wire');
  afterAll(() => dir.cleanup());

  it('TS encodes the vector request byte for byte, and parses it back (env names like constructor survive)', () => {
    const env = Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(req.env));
    expect(encodeRequest({ ...fields, env }).toString('hex')).toBe(req.hex);
    const parsed = parseRequest(Buffer.from(req.hex, 'hex'));
    expect(parsed).toBeDefined();
    expect({ ...parsed, env: Object.entries(parsed!.env) }).toEqual({ version: 1, ...fields, env: req.env });
  });

  it('TS encodes and parses the vector response', () => {
    const r = vector.response;
    expect(encodeResponse({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toString('hex')).toBe(r.hex);
    expect(parseResponse(Buffer.from(r.hex, 'hex'))).toEqual({ status: r.status, stdout: r.stdout, stderr: r.stderr });
  });

  it.skipIf(!hasGcc)('the C encoder of shim.c writes the vector request byte for byte', () => {
    const exe = join(dir.path, 'shim-encode');
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-Wno-unused-function', '-DCNITS_SHIM_ENCODE', '-o', exe, shimSource]);
    const out = execFileSync(exe, [req.build, req.plugin, req.namespaces, req.cwd, req.stdin, ...req.env.map(([k, v]) => `${k}=${v}`)]);
    expect(out.toString('hex')).toBe(req.hex);
  });

  it.skipIf(!hasGcc)('the shim prints the vector response: same stdout, stderr and exit status', async () => {
    const exe = join(dir.path, 'bridge');
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-static', '-DCNITS_BUILD_ID="wire-test"', '-o', exe, shimSource]);
    const socket = join(dir.path, 'd.sock');
    let request = Buffer.alloc(0);
    const server = createServer((s) => {
      s.on('data', (b: Buffer) => {
        request = Buffer.concat([request, b]);
        if (parseRequest(request)) s.end(Buffer.from(vector.response.hex, 'hex'));
      });
    });
    await new Promise<void>((ok) => server.listen(socket, ok));
    try {
      const child = spawn(exe, [], { env: { CNITS_SOCKET: socket, CNI_COMMAND: 'VERSION' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      const status = await new Promise<number | null>((ok) => child.on('close', ok));
      expect({ status, stdout, stderr }).toEqual({ status: vector.response.status, stdout: vector.response.stdout, stderr: vector.response.stderr });
      const sent = parseRequest(request);
      expect([sent?.build, sent?.plugin, sent?.env['CNI_COMMAND'], sent?.env['CNITS_SOCKET']]).toEqual(['wire-test', 'bridge', 'VERSION', socket]);
    } finally {
      server.close();
    }
  }, 30_000);
});
