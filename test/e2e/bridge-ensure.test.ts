// ensureBridge against the real kernel in a scratch netns (cnitsbig-*): a failed ADD undoes
// the bridge only when that ADD created it. The race "another ADD creates the bridge between
// our lookup and our add" is made real: the lookup is wrapped so that the bridge appears (via
// `ip link add`) right after it reported nothing, and our add then meets EEXIST.
import { afterEach, describe, expect, it } from 'vitest';
import type { CmdArgs, NetConf } from '../../lib/cni/plugin';
import { type Netlink, openNetlink } from '../../lib/netlink';
import { Undo } from '../../lib/undo';
import { loadConfig } from '../../plugins/bridge/config';
import { ensureBridge } from '../../plugins/bridge/host';
import { canNetns, cleanupNetns, ipJson, makeNetns, nsMust, type Netns } from './netns';

const BR = 'cnitsbigbr0';

function bridgeConf() {
  const conf = { cniVersion: '1.1.0', name: 'bignet', type: 'bridge', bridge: BR } as NetConf;
  const args = { command: 'ADD', containerID: 'c', netns: '', ifName: 'eth0', args: '', path: [], stdin: Buffer.from(''), conf, env: {}, stderr: () => undefined } as CmdArgs;
  return loadConfig(args);
}

/** nl, except that findLink(BR) first lets "another ADD" create the bridge, then reports it absent. */
function racing(nl: Netlink, ns: Netns): Netlink {
  return new Proxy(nl, {
    get(target, key) {
      if (key === 'findLink') {
        return (name: string) => {
          if (name === BR) {
            nsMust(ns, 'ip', 'link', 'add', BR, 'type', 'bridge');
            return undefined;
          }
          return target.findLink(name);
        };
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const bridgeThere = (ns: Netns): boolean => ipJson(ns, 'link', 'show', 'dev', BR).length === 1;

describe.skipIf(!canNetns)('ensureBridge and the undo of a failed ADD', () => {
  afterEach(() => cleanupNetns());

  it.each([
    // [case, made before the ADD looks, made by a concurrent ADD after the lookup, bridge there after the undo]
    ['created by this ADD: removed by its undo', false, false, false],
    ['there before the ADD: kept', true, false, true],
    ['created concurrently (EEXIST): kept', false, true, true],
  ])('%s', async (_name, before, concurrent, kept) => {
    const ns = makeNetns('cnitsbig');
    if (before) nsMust(ns, 'ip', 'link', 'add', BR, 'type', 'bridge');
    const nl = openNetlink(ns.path);
    try {
      const undo = new Undo();
      const br = ensureBridge(concurrent ? racing(nl, ns) : nl, bridgeConf(), undo);
      expect(br.name).toBe(BR);
      expect(br.up).toBe(true);
      expect(await undo.unwind()).toEqual([]);
      expect(bridgeThere(ns)).toBe(kept);
    } finally {
      nl.close();
    }
  });

  it('a non-bridge made concurrently under the name is an error, and kept', () => {
    const ns = makeNetns('cnitsbig');
    const nl = openNetlink(ns.path);
    try {
      const sneaky = new Proxy(nl, {
        get(target, key) {
          if (key === 'findLink') return () => { nsMust(ns, 'ip', 'link', 'add', BR, 'type', 'veth', 'peer', 'name', 'cnitsbigp0'); return undefined; };
          const v = Reflect.get(target, key) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const undo = new Undo();
      expect(() => ensureBridge(sneaky, bridgeConf(), undo)).toThrow(`"${BR}" already exists but is not a bridge`);
      expect(bridgeThere(ns)).toBe(true);
    } finally {
      nl.close();
    }
  });
});
