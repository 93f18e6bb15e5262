// Chaining: the plugins under test and the recording fixture (fixtures/recorder) in one
// CNI_PATH dir, list [bridge(+host-local), recorder]. The recorder must see, on ADD, bridge's
// result as prevResult in the list's version, the same CNI_* environment bridge had, `name`,
// `cniVersion` and `runtimeConfig` (only enabled capabilities) injected, unknown keys kept;
// on CHECK and DEL the cached result; and DEL must reach it before bridge (reverse order),
// which it sees as the container interface still being there.
import { readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { convertResult } from '../convert';
import { locate, type Case, type T } from '../harness';
import { link, leases, type Json } from '../kernel';
import type { Attachment, Exec, NetList } from '../runtime';
import { attach, bridgeConf, dataDir, netList } from './subjects';

interface Rec { command: string; env: Record<string, string>; conf: Json; ifacePresent: boolean | null }
interface Chain { t: T; list: NetList; a: Attachment; version: string; bridgeAdd: Exec; result: Json; records: Rec[]; path: string }

const capabilityArgs = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], bandwidth: { ingressRate: 1000 } };

async function chain(t: T): Promise<Chain> {
  const path = t.path('cnipath');
  for (const p of ['bridge', 'host-local']) symlinkSync(resolve(t.dir, p), join(path, p));
  symlinkSync(join(locate('conformance/fixtures'), 'recorder'), join(path, 'recorder'));
  const record = join(t.path('rec'), 'calls.jsonl');
  const recorder = { type: 'recorder', record, capabilities: { portMappings: true, bandwidth: false }, custom: { kept: [1, 'two'] } };
  const list = netList('cfchain', [bridgeConf(t), recorder]);
  const rt = t.runtime([path]);
  const { a: bare } = attach(t, 'c');
  const a: Attachment = { ...bare, args: 'IgnoreUnknown=1;K8S_POD_NAME=cf', capabilityArgs };
  const version = await rt.negotiate(list);
  const result = await rt.add(list, a);
  const bridgeAdd = rt.log.find((e) => e.plugin === 'bridge' && e.command === 'ADD')!;
  await rt.check(list, a);
  await rt.del(list, a);
  const records = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
  return { t, list, a, version, bridgeAdd, result, records, path };
}

function one(c: Chain, command: string): Rec {
  const r = c.records.filter((x) => x.command === command);
  c.t.eq(r.length, 1, `recorder ${command} calls`);
  return r[0]!;
}
const cniEnv = (env: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('CNI_')));

const table: { id: string; check: (c: Chain) => void }[] = [
  {
    id: 'add-prevresult-is-previous-result',
    check(c) {
      const add = one(c, 'ADD');
      c.t.eq(add.conf.prevResult, convertResult(c.bridgeAdd.json as Json, c.version), 'prevResult the recorder got');
      c.t.eq(c.result, add.conf.prevResult, 'final result of the list');
    },
  },
  {
    id: 'add-config-injection',
    check(c) {
      const { conf } = one(c, 'ADD');
      c.t.eq([conf.name, conf.cniVersion, conf.type], [c.list.name, c.version, 'recorder'], 'name, cniVersion, type');
      c.t.eq(conf.runtimeConfig, { portMappings: capabilityArgs.portMappings }, 'runtimeConfig (enabled capabilities only)');
      c.t.eq(conf.custom, { kept: [1, 'two'] }, 'an unknown key');
    },
  },
  {
    id: 'add-same-env',
    check(c) {
      const add = one(c, 'ADD');
      c.t.eq(add.env, cniEnv(c.bridgeAdd.env), 'CNI_* of the recorder vs bridge');
      c.t.eq(add.env, { CNI_COMMAND: 'ADD', CNI_CONTAINERID: c.a.containerID, CNI_NETNS: c.a.netns, CNI_ARGS: c.a.args, CNI_IFNAME: c.a.ifName, CNI_PATH: c.path }, 'CNI_* of the recorder');
      c.t.eq(add.ifacePresent, true, 'the container interface when the recorder ran (bridge first)');
    },
  },
  {
    id: 'check-gets-cached-result',
    check(c) {
      const chk = one(c, 'CHECK');
      c.t.eq(chk.conf.prevResult, c.result, 'prevResult on CHECK');
      c.t.eq(chk.env['CNI_COMMAND'], 'CHECK', 'CNI_COMMAND');
      c.t.eq(chk.ifacePresent, true, 'the container interface at CHECK');
    },
  },
  {
    id: 'del-reverse-order',
    check(c) {
      const del = one(c, 'DEL');
      c.t.eq(del.conf.prevResult, c.result, 'prevResult on DEL');
      c.t.eq(del.ifacePresent, true, 'the container interface when the recorder got DEL (before bridge)');
      c.t.ok(!link({ name: c.t.scratch.prefix + '-c', path: c.a.netns }, c.a.ifName), 'the container interface after DEL');
      c.t.eq([...leases(dataDir(c.t), c.list.name).keys()], [], 'leases after DEL');
    },
  },
];

export const cases: Case[] = table.map((x) => ({
  id: `chaining/${x.id}`,
  needs: ['bridge', 'host-local'],
  run: async (t) => x.check(await chain(t)),
}));
