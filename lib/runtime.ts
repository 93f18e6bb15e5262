// What differs between the builds of cnits, in one place: the Node SEA (V8 startup
// snapshot, addon as a SEA asset), the bun-compiled executable (bytecode, addon as an
// embedded file), and running from source (tests, tools). build/build.mjs sets
// __CNITS_RUNTIME__ per target with the bundler's `define`, so each executable carries
// only its own branch.
declare const __CNITS_RUNTIME__: 'sea' | 'bun' | undefined;
declare const Bun: unknown;

export type Runtime = 'sea' | 'bun' | 'source';
/**
 * Without the define (tests, tools; the node agent's bundle, which runs inside either
 * executable) it is asked of the process, at call time: a V8 snapshot must not keep a value
 * computed while it was built.
 */
export const runtime = (): Runtime => (typeof __CNITS_RUNTIME__ === 'string' ? __CNITS_RUNTIME__
  : typeof Bun !== 'undefined' ? 'bun' : process.getBuiltinModule('node:sea')?.isSea() ? 'sea' : 'source');

/**
 * A built executable: it carries the addon and can stand in for a delegate found on
 * CNI_PATH. Not while the SEA's snapshot is built (plain node runs the bundle then): an
 * addon loaded by the warm-up would end up in the heap, which V8 cannot serialize.
 */
export function standalone(): boolean {
  const r = runtime();
  return r === 'sea' ? process.getBuiltinModule('node:sea').isSea() : r === 'bun';
}

/** The addon's bytes, as embedded in the running executable (standalone only). */
export function embeddedAddon(): Uint8Array {
  // bun: read as bytes and handed to lib/native/load.ts like the SEA's, never require()d:
  // bun would extract it to a temp dir and dlopen it there, which fails where /tmp is noexec
  return embedded('cnits.node');
}

/** A file the build embedded (a SEA asset; a bun `--asset`, in the executable's own read-only filesystem). */
export function embedded(name: string): Uint8Array {
  if (runtime() === 'sea') return new Uint8Array(process.getBuiltinModule('node:sea').getAsset(name));
  return process.getBuiltinModule('node:fs').readFileSync(`${bunfsRoot}${name}`);
}
const bunfsRoot = '/$bunfs/root/';

/**
 * Runs main() once per exec. In the SEA while its V8 startup snapshot is being built,
 * warm-up() runs first (at build time) and main() becomes the snapshot's entry; bun has
 * no snapshot (its bytecode is made at build time, nothing to warm).
 */
export function start(main: () => Promise<void>, warmup: () => Promise<void>): void {
  const v8 = runtime() === 'bun' ? undefined : process.getBuiltinModule('node:v8');
  if (v8?.startupSnapshot?.isBuildingSnapshot()) {
    // a warm-up failure fails the build: the snapshot would miss what it was meant to hold
    warmup().catch((err: unknown) => { console.error('snapshot warm-up failed:', err); process.exitCode = 1; });
    v8.startupSnapshot.setDeserializeMainFunction(() => void main());
    return;
  }
  void main();
}

/**
 * Called by the processes that serve many requests (the daemon and its workers). The bun
 * executable starts with JIT tier-up thresholds 10x the normal (build/bun.mjs): a one-shot
 * plugin exec then spends less CPU compiling code it runs once (bridge ADD: 25 -> 20 ms of
 * CPU), which counts when a runtime starts many at once. A long-lived worker wants its hot
 * code compiled, so it goes back to the normal policy.
 */
export function longLived(): void {
  if (runtime() === 'bun') (globalThis as unknown as { Bun: BunJit }).Bun.unsafe.setJITPolicy(1);
}
interface BunJit { unsafe: { setJITPolicy(scale: number): void } }

/**
 * What to spawn for `file args` with `env`. bun's child_process loses a variable named
 * `__proto__` (it copies the env by assignment, which sets a prototype instead); a runtime
 * may pass any name and a delegate must get every one, so such an env goes to the child
 * through env(1)'s argv instead: one more exec, only then. (A file name holding '=' would read
 * as an assignment there: that one is spawned directly.)
 */
export function spawnArgs(file: string, args: readonly string[], env: NodeJS.ProcessEnv): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (runtime() !== 'bun' || !Object.hasOwn(env, '__proto__') || file.includes('=')) return { file, args: [...args], env };
  const pairs = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  return { file: '/usr/bin/env', args: ['-i', ...pairs, file, ...args], env: {} };
}
