// loopback through the BUILT executable, side by side with the reference (/usr/lib/cni, v1.1.1,
// whose loopback.go is v1.9.1's but for netlinksafe): the same bytes at every version it
// speaks, `lo` up after ADD and down after DEL, CHECK, and DEL without a netns. Container
// netns cnitskl-*; nothing else is touched.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allVersions, cni, hasReference, reference, type Outcome } from './helpers';
import { canNetns, cleanupNetns, delNetns, ipJson, makeNetns, nsMust, pluginDir, type Json, type Netns } from './netns';

const conf = (cniVersion: string, extra: object = {}) => ({ cniVersion, name: 'lonet', type: 'loopback', ...extra });
const lo = (ns: Netns): Json => ipJson(ns, 'link', 'show', 'dev', 'lo')[0];
const loUp = (ns: Netns): boolean => (lo(ns).flags as string[]).includes('UP');
const loopback = (command: string, ns: Netns | string, cf: object, dir = pluginDir): Promise<Outcome> =>
  cni('loopback', { command, netns: typeof ns === 'string' ? ns : ns.path, containerID: 'cnitskl' }, cf, dir);
/** the reference's referenceSupports(version): v1.1.1 has no 1.1.0 */
const refSpeaks = (v: string): boolean => v !== '1.1.0';

describe.skipIf(!canNetns || !existsSync(join(pluginDir, 'loopback')))('loopback', () => {
  afterEach(() => cleanupNetns());

  it.each(allVersions)('ADD/CHECK/DEL at %s: the reference\'s bytes, lo up then down', async (version) => {
    const ours = makeNetns('cnitskl');
    const ref = makeNetns('cnitskl');
    const r = await loopback('ADD', ours, conf(version));
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(loUp(ours)).toBe(true);
    const v4 = { address: '127.0.0.1/8', interface: 0 };
    const v6 = { address: '::1/128', interface: 0 };
    const iface = { name: 'lo', mac: '00:00:00:00:00:00', sandbox: ours.path };
    // libcni prints loopback's current.Result unconverted when labelled with the config's version:
    // the 1.0.0 shape (no ip4, no "version") at every older version too
    if (version <= '1.0.0') expect(r.stdout).toBe(JSON.stringify({ cniVersion: version, interfaces: [iface], ips: [v4, v6].map(({ interface: i, address }) => ({ interface: i, address })), dns: {} }, null, 4));
    else expect(r.stdout).toBe(JSON.stringify({ cniVersion: version, interfaces: [{ mac: iface.mac, name: 'lo', sandbox: ours.path }], ips: [v4, v6] }, null, 4));
    if (hasReference && refSpeaks(version)) {
      const rr = await loopback('ADD', ref, conf(version), reference);
      expect(r.stdout).toBe(rr.stdout.replaceAll(ref.path, ours.path));
    }

    const chk = await loopback('CHECK', ours, conf(version));
    if (version >= '0.4.0') expect([chk.code, chk.stdout]).toEqual([0, '']);
    else expect(chk.json).toEqual({ code: 1, msg: 'config version does not allow CHECK' });

    const del = await loopback('DEL', ours, conf(version));
    expect([del.code, del.stdout]).toEqual([0, '']);
    expect(loUp(ours)).toBe(false);
    if (version >= '0.4.0') {
      const down = await loopback('CHECK', ours, conf(version));
      expect(down.json).toEqual({ code: 999, msg: 'loopback interface is down' });
      if (hasReference && refSpeaks(version)) {
        await loopback('DEL', ref, conf(version), reference);
        expect((await loopback('CHECK', ref, conf(version), reference)).json).toEqual(down.json);
      }
    }
  });

  it('chained: prevResult passes through, converted to the config version', async () => {
    const ns = makeNetns('cnitskl');
    const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: ns.path }], ips: [{ interface: 0, address: '10.9.0.2/24' }], dns: {} };
    const r = await loopback('ADD', ns, conf('1.0.0', { prevResult }));
    expect(r.json).toEqual(prevResult);
    expect(loUp(ns)).toBe(true);
    if (hasReference) expect(r.stdout).toBe((await loopback('ADD', ns, conf('1.0.0', { prevResult }), reference)).stdout);
  });

  it('an extra non-loopback address on lo fails ADD, as the reference', async () => {
    const ns = makeNetns('cnitskl');
    nsMust(ns, 'ip', 'addr', 'add', '192.0.2.9/32', 'dev', 'lo');
    const r = await loopback('ADD', ns, conf('1.0.0'));
    expect(r.json).toEqual({ code: 999, msg: 'loopback interface found with non-loopback address "192.0.2.9"' });
    if (hasReference) expect((await loopback('ADD', ns, conf('1.0.0'), reference)).json).toEqual(r.json);
  });

  it.each([
    ['no CNI_NETNS', () => ''],
    ['the netns gone', () => { const ns = makeNetns('cnitskl'); delNetns(ns); return ns.path; }],
  ])('DEL with %s succeeds', async (_what, netns) => {
    const r = await loopback('DEL', netns(), conf('1.0.0'));
    expect([r.code, r.stdout]).toEqual([0, '']);
  });

  it('ADD into a missing netns is an error naming it', async () => {
    const r = await loopback('ADD', '/var/run/netns/cnitskl-missing', conf('1.0.0'));
    expect(r.code).toBe(1);
    expect(r.json.code).toBe(999);
    expect(r.json.msg).toContain('/var/run/netns/cnitskl-missing');
  });
});
