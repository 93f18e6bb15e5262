// bridge: one Linux bridge per network, a veth per container, addresses from IPAM,
// optional gateway, masquerade and MAC spoof check — the reference v1.9.1's kernel
// objects, with a failed ADD undone completely.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check } from './check';
import { del, gc, status } from './del';

export const plugin: Plugin = { name: 'bridge', funcs: { add, del, check, status, gc }, versions: allVersions };

/**
 * Config parsing up to a validation error: every verb stops before touching the
 * kernel or spawning anything (the snapshot is being built; there is no netns).
 */
export const warmup = {
  plugin,
  conf: { name: 'warmup', type: 'bridge', bridge: 'cnitswarm0', isGateway: true, ipMasq: true, vlanTrunk: [{ id: 7 }], mtu: -1, ipam: { type: 'host-local' } },
};
