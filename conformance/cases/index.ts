// Every case, in report order. Ids are `<plugin>/<topic>/<name>` and stable: they key the
// expectation files.
import type { Case } from '../harness';
import { cases as bridge } from './bridge';
import { cases as chaining } from './chaining';
import { cases as firewall } from './firewall';
import { cases as hostLocal } from './host-local';
import { cases as lifecycle } from './lifecycle';
import { cases as loopback } from './loopback';
import { cases as portmap } from './portmap';
import { cases as results } from './results';
import { cases as spec } from './spec';
import { cases as tuning } from './tuning';
import { cases as vlan } from './vlan';

export const allCases: readonly Case[] = [...spec, ...lifecycle, ...results, ...bridge, ...hostLocal, ...vlan, ...chaining, ...loopback, ...portmap, ...tuning, ...firewall]
  .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const ids = new Set<string>();
for (const c of allCases) {
  if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
  ids.add(c.id);
}
