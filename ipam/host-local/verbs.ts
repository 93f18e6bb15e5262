// host-local's verb table, imported by ./main.ts on the first verb call.
import type { PluginFuncs } from '../../lib/cni/plugin';
import { hostLocalFuncs } from './host-local';

export const funcs: PluginFuncs = hostLocalFuncs;
