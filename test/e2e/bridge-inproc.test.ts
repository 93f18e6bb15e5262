// IPAM in-process: when ipam.type resolves on CNI_PATH to this same executable,
// bridge runs host-local without exec'ing it. A runtime must not see a difference:
// same result, same leases, same errors, one process instead of two.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ours, tempDir } from './helpers';
import { cleanupNetns, cniIn, delNetns, makeNetns, type Netns } from './netns';

const hasStrace = spawnSync('strace', ['-V']).status === 0;
const made: Netns[] = [];
const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const ns of made.splice(0)) delNetns(ns);
  for (const d of dirs.splice(0)) d.cleanup();
  cleanupNetns();
});

/** A CNI_PATH where host-local is a separate program (a wrapper exec'ing cnits), so bridge must exec it. */
function execPath(): string {
  const d = tempDir('inproc-exec');
  dirs.push(d);
  mkdirSync(join(d.path, 'bin'));
  symlinkSync(join(ours, 'cnits'), join(d.path, 'bin', 'bridge'));
  writeFileSync(join(d.path, 'bin', 'host-local'), `#!/bin/sh\nexec ${join(ours, 'cnits')} host-local\n`, { mode: 0o755 });
  return join(d.path, 'bin');
}

describe.skipIf(process.getuid?.() !== 0)('bridge with host-local in-process vs exec', () => {
  it('gives the same result, leases and errors', async () => {
    const outcomes = [];
    for (const [how, dir] of [['in-process', ours], ['exec', execPath()]] as const) {
      const host = makeNetns('cnitsip');
      const cont = makeNetns('cnitsic');
      made.push(host, cont);
      const data = tempDir('inproc-data');
      dirs.push(data);
      const conf = { cniVersion: '1.0.0', name: 'inproc', type: 'bridge', bridge: 'cnitsip0', isGateway: true,
        ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: '10.156.0.0/30' }]] } };
      const call = { containerID: 'ip1', netns: cont.path, path: dir };
      const add = await cniIn(host, 'bridge', { command: 'ADD', ...call }, conf, dir);
      const again = await cniIn(host, 'bridge', { command: 'ADD', ...call, containerID: 'ip2', ifName: 'eth1' }, conf, dir);
      const leases = readdirSync(join(data.path, 'inproc')).sort().map((f) => [f, readFileSync(join(data.path, 'inproc', f), 'utf8')]);
      const del = await cniIn(host, 'bridge', { command: 'DEL', ...call }, conf, dir);
      outcomes.push({ how, code: add.code, ips: add.json?.ips, again: again.stdout, leases, del: [del.code, del.stdout] });
    }
    const [inproc, exec] = outcomes;
    expect(inproc!.code).toBe(0);
    expect(inproc!.ips).toEqual([{ address: '10.156.0.2/30', gateway: '10.156.0.1', interface: 2 }]);
    expect(exec).toEqual({ ...inproc, how: 'exec' });
    expect(inproc!.again).toMatch(/no IP addresses available in range set/); // the /30 holds one address
  });

  it.skipIf(!hasStrace)('starts one Node process per verb in-process, two with exec', async () => {
    const counts: Record<string, number> = {};
    for (const [how, dir] of [['in-process', ours], ['exec', execPath()]] as const) {
      const host = makeNetns('cnitsip');
      const cont = makeNetns('cnitsic');
      made.push(host, cont);
      const data = tempDir('inproc-data');
      dirs.push(data);
      const conf = JSON.stringify({ cniVersion: '1.0.0', name: 'inproc', type: 'bridge', bridge: 'cnitsip1',
        ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: '10.156.1.0/24' }]] } });
      const log = join(data.path, 'strace');
      execFileSync('ip', ['netns', 'exec', host.name, 'strace', '-f', '-qq', '-e', 'trace=execve', '-o', log,
        'env', 'CNI_COMMAND=ADD', 'CNI_CONTAINERID=ip3', 'CNI_IFNAME=eth0', `CNI_NETNS=${cont.path}`, `CNI_PATH=${dir}`, join(dir, 'bridge')],
        { input: conf });
      // a Node start is a successful execve of the cnits executable, under any name (the
      // shim's fallback execs it by path; the exec dir links bridge to it directly)
      const cnits = realpathSync(join(ours, 'cnits'));
      counts[how] = readFileSync(log, 'utf8').split('\n')
        .map((l) => /^\d+ +execve\("([^"]+)".* = 0$/.exec(l)?.[1])
        .filter((f): f is string => f !== undefined && realpathSync(f) === cnits).length;
    }
    expect(counts).toEqual({ 'in-process': 1, exec: 2 }); // exec: bridge, then host-local through the wrapper
  });
});
