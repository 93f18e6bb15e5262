// Every JSON schema the suite validates configs with. build/gen-validators.mjs
// compiles this map into standalone validator code at build time, so no plugin
// process ever runs ajv's compiler (+55 ms per exec, research/packaging.md).
import { hostLocalSchema } from '../../ipam/host-local/schema';
import { bridgeSchema } from '../../plugins/bridge/schema';
import { ipvlanSchema } from '../../plugins/ipvlan/schema';
import { macvlanSchema } from '../../plugins/macvlan/schema';

export const schemas = {
  hostLocal: hostLocalSchema,
  bridge: bridgeSchema,
  macvlan: macvlanSchema,
  ipvlan: ipvlanSchema,
} as const;

export type SchemaName = keyof typeof schemas;
