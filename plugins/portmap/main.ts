// portmap: a chained plugin publishing container ports on the host (runtimeConfig.portMappings)
// with the reference v1.9.1's iptables or nftables objects, written in one transaction per
// address family; passes prevResult through.
import type { Plugin } from '../../lib/cni/plugin';
import { allVersions } from '../../lib/cni/types/version';
import { add } from './add';
import { check } from './check';
import { del } from './del';

export const plugin: Plugin = { name: 'portmap', funcs: { add, del, check }, versions: allVersions };
