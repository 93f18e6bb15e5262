// The snapshot build's warm-up fixture of this plugin (build/warmup.ts runs it).
import { DiskStore } from './disk-store';
import { makeHostLocalFuncs } from './host-local';
import { plugin } from './main';

/**
 * The same code over the disk store in a scratch dir, with flock replaced (the addon cannot
 * be loaded while the snapshot is built): what the snapshot build runs to compile the exec
 * path. `dataDir` is filled in by build/warmup.ts.
 */
export const warmup = {
  plugin: { ...plugin, funcs: makeHostLocalFuncs((network, dataDir) => new DiskStore(network, dataDir, { lock: () => undefined })) },
  conf: {
    name: 'warmup', type: 'bridge',
    ipam: { type: 'host-local', dataDir: '<scratch>', ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: 'fd00::/120' }]], routes: [{ dst: '0.0.0.0/0' }] },
    'cni.dev/valid-attachments': [],
  },
};
