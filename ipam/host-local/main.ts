// host-local IPAM: leases in <dataDir>/<network>/, one file per address, shared
// byte-for-byte with the reference Go plugin. The work is in ./host-local.ts.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { FakeStore } from './fake-store';
import { hostLocalFuncs, makeHostLocalFuncs } from './host-local';

export const plugin: Plugin = { name: 'host-local', funcs: hostLocalFuncs, versions: allVersions };

/** Same code over an in-memory store: what the snapshot build runs to compile the exec path. */
export const warmup = {
  plugin: { ...plugin, funcs: makeHostLocalFuncs(() => new FakeStore()) },
  conf: {
    name: 'warmup', type: 'bridge',
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: 'fd00::/120' }]], routes: [{ dst: '0.0.0.0/0' }] },
    'cni.dev/valid-attachments': [],
  },
};
