// Runs a plugin the way it runs on a hardened node: /run, /tmp and /var/tmp are fresh noexec
// tmpfs mounts (Debian/Ubuntu initramfs /run, kind nodes' /run and /tmp, CIS hosts' /tmp and
// /var/tmp), in a private mount namespace so the real host never sees them. Paths the test
// still needs under them (/run/netns with its netns files, a dataDir under /tmp) are opened
// before they are covered and bind-mounted back from /proc/self/fd.
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { exec, pluginEnv, type Call, type Outcome } from './helpers';
import type { Netns } from './netns';

export const covered = ['/run', '/tmp', '/var/tmp'] as const;

/** Where the build under test lies under a dir these tests mount over (a checkout in /tmp), they cannot run it: the reason, else undefined. */
export function coveredBuild(dir: string): string | undefined {
  let real = dir;
  try { real = realpathSync(dir); } catch { /* not built: the callers skip for that */ }
  const under = covered.find((c) => real === c || real.startsWith(`${c}/`));
  return under ? `the build under test (${real}) is under ${under}, which these tests mount over: clone the repository elsewhere to run them` : undefined;
}

export interface Hardened {
  /** paths under the covered dirs to keep as they are (at most 6: sh only has fds 3..9 by number) */
  keep?: string[];
  /** dirs made read-only in the namespace (a read-only CNI bin dir) */
  readOnly?: string[];
  /** covered dirs whose fresh tmpfs allows exec after all (to reach a later fallback) */
  allowExec?: string[];
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The sh script that builds the namespace and then execs "$0" (the plugin). */
export function hardenScript({ keep = [], readOnly = [], allowExec = [] }: Hardened): string {
  if (keep.length > 6) throw new Error('hardenScript: keep at most 6 paths');
  const fd = (i: number) => 3 + i;
  return [
    'set -e',
    ...keep.map((p, i) => `exec ${fd(i)}<${q(p)}`),
    ...covered.map((d) => `mount -t tmpfs -o ${allowExec.includes(d) ? '' : 'noexec,'}nosuid,nodev cnitsnx ${d}`),
    // --no-canonicalize: mount(8) would resolve the fd link to its path name, now covered
    ...keep.flatMap((p, i) => [`mkdir -p ${q(p)}`, `mount --no-canonicalize --rbind /proc/self/fd/${fd(i)} ${q(p)}`, `exec ${fd(i)}<&-`]),
    ...readOnly.flatMap((p) => [`mount --bind ${q(p)} ${q(p)}`, `mount -o remount,bind,ro ${q(p)}`]),
    'exec "$0"',
  ].join('\n');
}

/** Runs plugin `name` from `dir` inside `host` (by `ip netns exec`, like cniIn) on a hardened node. */
export function cniHardened(host: Netns, name: string, c: Call, conf: unknown, dir: string, h: Hardened = {}): Promise<Outcome> {
  const stdin = typeof conf === 'string' ? conf : JSON.stringify(conf);
  const keep = ['/run/netns', ...(h.keep ?? [])];
  return exec('ip', pluginEnv(c, dir), stdin, ['netns', 'exec', host.name, 'unshare', '-m', '--propagation', 'private',
    'sh', '-c', hardenScript({ ...h, keep }), join(dir, name)]);
}

/** The addon file the build put beside cnits in `dir` (.cnits-<addonId>.node). */
export function addonBeside(dir: string): string | undefined {
  return readdirSync(dir).find((n) => /^\.cnits-[0-9a-f]{16}\.node$/.test(n));
}
