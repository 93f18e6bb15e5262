// Protocol rules of the spec that hold for every plugin (SPEC.md "Parameters", "Version
// considerations", "Error" and the error code table): required variables per verb, VERSION,
// version and decoding errors, the error object and the output format.
import type { Case, T } from '../harness';
import type { Exec } from '../runtime';
import { attach, setUp, subjects, type Subject } from './subjects';

interface Direct { drop?: string; env?: Record<string, string>; stdin?: string; version?: string }

/** One exec of the subject's plugin as the first (only) plugin of its list, env/stdin tweaked. */
async function direct(t: T, s: Subject, command: string, d: Direct = {}): Promise<Exec> {
  s.prepare?.(t);
  const rt = t.runtime();
  const list = s.list(t);
  const p = list.plugins[0]!;
  const version = d.version ?? await rt.negotiate(list);
  const { a } = attach(t, 'c');
  const env = { ...rt.env(command, a), ...d.env };
  if (d.drop) delete env[d.drop];
  return rt.exec(p.type, env, d.stdin ?? rt.conf(list, p, version, undefined, a));
}

/** Variables the spec requires per verb (CNI_PATH is left out: the spec makes it optional). */
const required: [string, string][] = [
  ['ADD', 'CNI_CONTAINERID'], ['ADD', 'CNI_NETNS'], ['ADD', 'CNI_IFNAME'],
  ['DEL', 'CNI_CONTAINERID'], ['DEL', 'CNI_IFNAME'],
  ['CHECK', 'CNI_CONTAINERID'], ['CHECK', 'CNI_NETNS'], ['CHECK', 'CNI_IFNAME'],
];

const isVersion = (v: unknown): boolean => typeof v === 'string' && /^\d+\.\d+\.\d+$/.test(v);
/** stdout is JSON printed with 4-space indentation (a trailing newline allowed). */
function indented(t: T, e: Exec, what: string): void {
  const body = e.stdout.replace(/\n$/, '');
  t.eq(body, JSON.stringify(JSON.parse(body), null, 4), `${what} is not 4-space indented JSON`);
}

function specCases(s: Subject): Case[] {
  const id = (rest: string): string => `${s.name}/spec/${rest}`;
  const c = (rest: string, run: (t: T) => Promise<void>): Case => ({ id: id(rest), needs: s.needs, run });
  return [
    ...required.map(([verb, name]) => c(`env/${verb}-without-${name}`, async (t) => {
      const e = await direct(t, s, verb, { drop: name });
      t.cniError(e, 4, `${verb} without ${name}`);
      const msg = String((e.json as { msg: string }).msg);
      t.ok(msg.includes(name), `the message does not name ${name}: ${JSON.stringify(msg)}`);
    })),
    c('env/unknown-command', async (t) => {
      t.cniError(await direct(t, s, 'BOGUS'), 4, 'CNI_COMMAND=BOGUS');
    }),
    c('version-output', async (t) => {
      const rt = t.runtime();
      for (const asked of ['0.3.1', '1.0.0']) {
        const e = await rt.exec(s.name, rt.env('VERSION'), JSON.stringify({ cniVersion: asked }));
        t.success(e, `VERSION (asked ${asked})`);
        const j = e.json as { cniVersion?: unknown; supportedVersions?: unknown };
        t.eq(Object.keys(j ?? {}).sort(), ['cniVersion', 'supportedVersions'], 'VERSION keys');
        t.ok(isVersion(j.cniVersion), `VERSION cniVersion ${String(j.cniVersion)}`);
        const vs = j.supportedVersions;
        if (!Array.isArray(vs) || vs.length === 0 || !vs.every(isVersion)) return t.fail(`supportedVersions ${JSON.stringify(vs)}`);
        t.ok(vs.includes(j.cniVersion), `supportedVersions lacks the reported cniVersion ${String(j.cniVersion)}`);
      }
    }),
    c('unknown-version', async (t) => {
      t.cniError(await direct(t, s, 'ADD', { version: '9.9.9' }), 1, 'ADD with cniVersion 9.9.9');
    }),
    c('malformed-json', async (t) => {
      t.cniError(await direct(t, s, 'ADD', { stdin: '{"cniVersion": "1.0.0", "name": ' }), 6, 'ADD with truncated JSON');
    }),
    c('error-shape', async (t) => {
      s.prepare?.(t);
      const rt = t.runtime();
      const list = s.broken(t);
      const { a } = attach(t, 'c');
      const e = await rt.exec(s.name, rt.env('ADD', a), rt.conf(list, list.plugins[0]!, await rt.negotiate(list), undefined, a));
      t.cniError(e, undefined, 'ADD with subnet 10.77.0.0/33');
    }),
    c('output-format', async (t) => {
      setUp(t, s);
      const rt = t.runtime();
      const list = s.list(t);
      const { a } = attach(t, 'c');
      await rt.add(list, a);
      const add = rt.log.find((e) => e.command === 'ADD' && e.plugin === s.name)!;
      indented(t, add, 'the ADD result');
      const bad = await rt.exec(s.name, rt.env('ADD', a), rt.conf(list, list.plugins[0]!, '9.9.9', undefined, a));
      t.cniError(bad, undefined, 'ADD with cniVersion 9.9.9');
      indented(t, bad, 'the error');
      await rt.del(list, a);
    }),
  ];
}

export const cases: Case[] = subjects.flatMap(specCases);
