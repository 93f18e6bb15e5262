// The multi-call executable's entry: it owns the process. It picks what to run from
// the name it was invoked as (busybox style) or its first argument: a plugin, `daemon`,
// `daemon-worker`, `install`, or `node` (the node agent, loaded on demand: see loadNodeAgent).
// Only main() runs per exec. In the SEA everything at top
// level (module init, the plugin registry, a warm-up of every verb) runs at build time, into
// the V8 startup snapshot; in the bun build, which has no snapshot, top level runs on every
// exec, so what one verb does not need (the daemon, install, the warm-up) is imported lazily.
import { processIO, writeAll } from '../lib/cni/process-io';
import type { LocalTable, Plugin } from '../lib/cni/plugin';
import { run, type IO } from '../lib/cni/skel';
import { toCniError } from '../lib/cni/errors';
import { formatError } from '../lib/cni/types/convert';
import { embedded, longLived, runtime, standalone, start } from '../lib/runtime';
import { plugins, warmups } from './registry';

async function main(all: readonly Plugin[], argv0 = process.argv0, argv = process.argv.slice(2)): Promise<void> {
  const base = (name: string | undefined) => (name ?? '').split('/').pop() ?? '';
  const plugin = all.find((p) => p.name === base(argv0)) ?? all.find((p) => p.name === argv[0]);
  const log = (line: string) => writeAll(2, `${line}\n`);
  // only the standalone executable can stand in for a delegate found on CNI_PATH
  const local: LocalTable | undefined = standalone() ? { plugins: all, executable: process.execPath } : undefined;
  if (plugin) { process.exitCode = await run(plugin, answering(processIO(local))); return; }
  if (argv[0] === 'daemon') {
    longLived();
    const { runDaemon } = await import('../lib/daemon/server');
    process.exitCode = await runDaemon(argv.slice(1), log, all.map((p) => p.name));
    return;
  }
  if (argv[0] === 'install') {
    const { runInstall } = await import('../lib/install/install');
    process.exitCode = runInstall(argv.slice(1), log);
    return;
  }
  if (argv[0] === 'daemon-worker') {
    longLived();
    const { runWorker } = await import('../lib/daemon/worker');
    runWorker(all, (line) => log(`[${process.pid}] ${line}`), local);
    // pre-warm: run every verb of every plugin once against the side-effect-free fixtures the
    // snapshot build uses, so a worker's first real request finds its code loaded and compiled
    // (it took ~18 ms cold against ~2 ms warm); after runWorker, so no connection waits for it
    void prewarm().catch((err: unknown) => log(`[${process.pid}] warm-up: ${(err as Error).message}`));
    return;
  }
  // the node agent (etcd over gRPC and TLS) is tested on Node, and bun's TLS errors differ:
  // the bun build hands it to the Node build beside it; it is long-lived, start-up is no matter
  if (argv[0] === 'node' && runtime() === 'bun') { process.exitCode = await runBeside('cnits-portable', argv); return; }
  if (argv[0] === 'node') {
    // exit explicitly: the etcd client's gRPC channels may hold the loop open after the agent
    // stops; nothing is lost, every line we print goes out with writeSync (writeAll)
    const agentLog = (line: string) => log(`${new Date().toISOString()} ${line}`);
    followParent(agentLog);
    process.exit(await loadNodeAgent().runNode(argv.slice(1), agentLog));
  }
  log(`cni-ts multi-call CNI plugin; invoke as one of: ${all.map((p) => p.name).join(', ')}, or as \`cnits daemon [--socket PATH] [--workers N] [--queue N]\` or \`cnits install [--dir DIR] [--only a,b]\` or \`cnits node -etcd-endpoints ...\``);
  process.exitCode = 1;
}

/**
 * run() answers every failure of the plugin with CNI error JSON; this covers what escapes it
 * (a stray async error after or beside it): never an exit without an answer on stdout. What
 * fails before any of our code runs (a snapshot this CPU cannot load: exit 14; bun's baseline
 * build on a CPU below x86-64-v2: SIGILL) only the shim can answer, so the shim is the supported entry.
 */
function answering(io: IO): IO {
  let answered = false;
  const last = (err: unknown): void => {
    if (!answered) writeAll(1, formatError(toCniError(err))); // writeSync: out before the exit
    answered = true;
    process.exit(1);
  };
  process.on('uncaughtException', last); // unhandled rejections arrive here too (--unhandled-rejections=throw)
  return { ...io, stdout: (text) => { answered = true; io.stdout(text); } };
}

/** Runs the executable `name` beside this one with `argv` and our stdio; passes on signals; resolves to its exit status. */
function runBeside(name: string, argv: readonly string[]): Promise<number> {
  const path = process.getBuiltinModule('node:path');
  // CNITS_PARENT_PID: the child leaves when we are gone, even by SIGKILL (which we cannot forward)
  const child = process.getBuiltinModule('node:child_process').spawn(path.join(path.dirname(process.execPath), name), argv,
    { stdio: 'inherit', env: { ...process.env, CNITS_PARENT_PID: String(process.pid) } });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => {
    child.on('error', (err) => { writeAll(2, `cannot run ${name}: ${err.message}\n`); resolve(1); });
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? process.getBuiltinModule('node:os').constants.signals[signal] : 0)));
  });
}

/**
 * Run beside the bun build by runBeside: exit once that parent is gone (our parent pid
 * changes when it dies), as after SIGTERM: routes, rules and the lease stay.
 */
function followParent(log: (line: string) => void): void {
  const parent = Number(process.env['CNITS_PARENT_PID'] ?? '');
  if (!parent) return;
  const check = (): void => {
    if (process.ppid === parent) return;
    log(`parent ${parent} is gone: exiting; routes, rules and the lease stay`);
    process.exit(0);
  };
  check();
  setInterval(check, 500).unref();
}

interface NodeAgent { runNode(argv: readonly string[], log: (line: string) => void): Promise<number> }

/**
 * The node agent and its etcd client (grpc-js, protobufjs: ~1 MB of JS) are a separate
 * bundle, node-agent.cjs, kept out of the startup snapshot (and the bun executable's main
 * bundle) so plugin execs never pay for them: embedded in the executable (lib/runtime.ts),
 * or, from an unpackaged dist/cnits.cjs, the file beside it; compiled only when `cnits node` runs.
 */
function loadNodeAgent(): NodeAgent {
  const path = process.getBuiltinModule('node:path');
  const built = standalone();
  // absolute: createRequire wants one, and argv[1] is the path as typed
  const file = path.resolve(path.dirname(built ? process.execPath : process.argv[1] ?? '.'), 'node-agent.cjs');
  const code = built ? Buffer.from(embedded('node-agent.cjs')).toString('utf8') : process.getBuiltinModule('node:fs').readFileSync(file, 'utf8');
  const wrapped = process.getBuiltinModule('node:vm').runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename: file }) as
    (e: object, r: NodeJS.Require, m: { exports: object }, f: string, d: string) => void;
  const mod = { exports: {} };
  // a require that reaches the built-ins: the bundle has everything else inside
  wrapped(mod.exports, process.getBuiltinModule('node:module').createRequire(file), mod, file, path.dirname(file));
  return mod.exports as NodeAgent;
}

/** Every verb of every plugin once, against in-memory stores and an in-memory kernel: no side effect. */
async function prewarm(): Promise<void> {
  const [{ warmup }, { warmupNetlink }] = await Promise.all([import('./warmup'), import('./warmup-netlink')]);
  await warmup(await warmups());
  await warmupNetlink();
}

start(() => main(plugins), prewarm);
