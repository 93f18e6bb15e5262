// portmap's verb table, imported by ./main.ts on the first verb call.
import type { PluginFuncs } from '../../lib/cni/plugin';
import { add } from './add';
import { check } from './check';
import { del } from './del';

export const funcs: PluginFuncs = { add, del, check };
