// ipvlan's verb table, imported by ./main.ts on the first verb call.
import type { PluginFuncs } from '../../lib/cni/plugin';
import { add } from './add';
import { check } from './check';
import { linkPluginVerbs } from '../../lib/link';
import { loadIpamType } from './config';

export const funcs: PluginFuncs = { add, check, ...linkPluginVerbs(loadIpamType) };
