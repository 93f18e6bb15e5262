// bridge: one Linux bridge per network, a veth per container, addresses from IPAM,
// optional gateway, masquerade and MAC spoof check — the reference v1.9.1's kernel
// objects, with a failed ADD undone completely.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check } from './check';
import { del, gc, status } from './del';

export const plugin: Plugin = { name: 'bridge', funcs: { add, del, check, status, gc }, versions: allVersions };

