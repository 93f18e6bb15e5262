// IPAM delegation (lib/cni/invoke.ts) against real executables.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { delegate, findInPath } from '../../lib/cni/invoke';
import type { CmdArgs } from '../../lib/cni/plugin';
import { ours, tempDir } from './helpers';

const fixtures = resolve(__dirname, '../fixtures/plugins');
let dir: { path: string; cleanup: () => void };
beforeEach(() => { dir = tempDir('inv'); });
afterEach(() => dir.cleanup());

function args(conf: object, extraEnv: Record<string, string> = {}): CmdArgs {
  const stdin = Buffer.from(JSON.stringify(conf));
  const env = { PATH: process.env['PATH'], CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'inv1', CNI_IFNAME: 'eth0', CNI_NETNS: '/x', CNI_PATH: `${fixtures}:${ours}`, ...extraEnv };
  return { command: 'ADD', containerID: 'inv1', netns: '/x', ifName: 'eth0', args: '', path: [fixtures, ours], stdin, conf: conf as CmdArgs['conf'], env, stderr: (t) => void process.stderr.write(t) };
}

describe('delegate', () => {
  it('passes our env (CNI_COMMAND replaced) and the exact stdin, and up-converts the result', async () => {
    const conf = { cniVersion: '1.0.0', name: 'n', ipam: { type: 'echoenv' }, odd: 'key order kept' };
    const a = args(conf, { RECORD: join(dir.path, 'rec') });
    const r = await delegate('echoenv', 'DEL', { ...a }).then(() => delegate('echoenv', 'ADD', a));
    expect(r).toEqual({ cniVersion: '1.1.0', ips: [{ address: '10.1.2.3/24', gateway: '10.1.2.1' }] });
    expect(readFileSync(join(dir.path, 'rec.stdin'), 'utf8')).toBe(JSON.stringify(conf));
    expect(readFileSync(join(dir.path, 'rec.env'), 'utf8')).toContain('CNI_COMMAND=ADD\nCNI_CONTAINERID=inv1\n');
  });

  it('runs our host-local and DELs it', async () => {
    const conf = { cniVersion: '1.1.0', name: 'invnet', ipam: { type: 'host-local', dataDir: dir.path, ranges: [[{ subnet: '10.40.0.0/24' }]] } };
    const r = await delegate('host-local', 'ADD', args(conf));
    expect(r?.ips).toEqual([{ address: '10.40.0.2/24', gateway: '10.40.0.1' }]);
    expect(readFileSync(join(dir.path, 'invnet', '10.40.0.2'), 'utf8')).toBe('inv1\r\neth0');
    await delegate('host-local', 'DEL', { ...args(conf), command: 'DEL' });
    expect(() => readFileSync(join(dir.path, 'invnet', '10.40.0.2'))).toThrow();
  });

  it('passes the delegate error through with its code, and its stderr to ours', async () => {
    let stderr = '';
    await expect(delegate('failing', 'ADD', args({ cniVersion: '1.0.0', name: 'n' }), { stderr: (t) => { stderr += t; } }))
      .rejects.toMatchObject({ code: 11, msg: 'try later', details: 'busy' });
    expect(stderr).toBe('failing: log line\n');
  });

  it('gives up after the timeout with code 11', async () => {
    await expect(delegate('sleepy', 'ADD', args({ cniVersion: '1.0.0', name: 'n' }), { timeoutMs: 300 }))
      .rejects.toMatchObject({ code: 11, msg: expect.stringMatching(/timed out/) });
  });

  it.each([
    ['', [fixtures], 'no plugin name provided'],
    ['a/b', [fixtures], 'invalid plugin name: a/b'],
    ['nope', [fixtures], `failed to find plugin "nope" in path [${fixtures}]`],
  ])('findInPath(%j)', (name, paths, msg) => {
    expect(() => findInPath(name, paths)).toThrow(msg);
  });
});
