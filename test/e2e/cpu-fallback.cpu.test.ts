// The SHIPPED dist/bin on a CPU unlike the build machine's: build/vm-test.sh boots the VM a
// second time with an old emulated CPU (CNI_VM_CPU=qemu64: x86-64-v1, below what bun's
// baseline build needs) and runs only this file (CNITS_VM_SUITE=cpu; CNITS_VM_CPU names the
// model: the runner keeps CNI_VM_* out of the guest). There `cnits` cannot start (bun: SIGILL;
// a snapshot build: exit 14) and the plugin names must still answer, through the shim running
// cnits-portable: VERSION, and a bridge + host-local ADD whose address is read back in the
// container netns, then DEL. On the host (and in the main VM boot) this file is skipped.
// Subnet: 10.163.0.0/24.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { exec, pluginEnv, tempDir } from './helpers';
import { addrsOf, canNetns, cleanupNetns, cniIn, leftovers, makeNetns, nothingLeft } from './netns';

// deliberately not CNITS_E2E_DIR: what is tested is what ships
const shipped = resolve(__dirname, '../../dist/bin');
const cpu = process.env['CNITS_VM_CPU'];
const runnable = process.env['CNI_VM'] === '1' && cpu !== undefined && canNetns && existsSync(join(shipped, 'cnits-portable'));
const env = (command: string) => ({ ...pluginEnv({ command }, shipped), CNITS_DAEMON: 'off' });

describe.runIf(runnable)(`the shipped dist/bin on an emulated ${cpu} CPU`, () => {
  let data: ReturnType<typeof tempDir> | undefined;
  afterEach(() => cleanupNetns());
  afterAll(() => data?.cleanup());

  it('cnits itself cannot start here (SIGILL before any of our code, nothing on stdout)', () => {
    const r = spawnSync(join(shipped, 'cnits'), [], { argv0: 'host-local', env: env('VERSION'), encoding: 'utf8', timeout: 50_000 });
    // an x86-64-v2 CPU runs bun's baseline build: then there is nothing to fall back from
    expect([r.status, r.signal, r.stdout], r.stderr).toEqual([null, 'SIGILL', '']);
  });

  it('VERSION through the shim: answered by cnits-portable', async () => {
    const r = await exec(join(shipped, 'host-local'), env('VERSION'), '');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
    expect(r.stderr).toMatch(/cnits died of SIGILL .*running cnits-portable/);
  });

  it('bridge + host-local ADD (address read back in the netns), then DEL leaves nothing', async () => {
    data = tempDir('cpuvm');
    const [host, ctr] = [makeNetns('cnitscpuh'), makeNetns('cnitscpuc')];
    const conf = { cniVersion: '1.1.0', name: 'cpuvm', type: 'bridge', bridge: 'cnitsbr7', isGateway: true, ipam: { type: 'host-local', dataDir: data.path, ranges: [[{ subnet: '10.163.0.0/24' }]] } };
    const call = (command: string) => cniIn(host, 'bridge', { command, netns: ctr.path, containerID: ctr.name, env: { CNITS_DAEMON: 'off' } }, conf, shipped);
    const add = await call('ADD');
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json.ips).toEqual([{ address: '10.163.0.2/24', gateway: '10.163.0.1', interface: 2 }]);
    expect(addrsOf(ctr, 'eth0')).toEqual(['10.163.0.2/24']);
    expect(addrsOf(host, 'cnitsbr7')).toEqual(['10.163.0.1/24']);
    const del = await call('DEL');
    expect([del.code, del.stdout], del.stderr).toEqual([0, '']);
    expect(leftovers(host, ctr, data.path, 'cpuvm')).toEqual(nothingLeft);
  });
});

describe.skipIf(runnable)('the shipped dist/bin on another CPU', () => {
  it.skip('runs under build/vm-test.sh in a second VM boot with CNI_VM_CPU=qemu64 (CNITS_VM_SUITE=cpu)', () => undefined);
});
