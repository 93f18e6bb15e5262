// Entry of the node agent bundle (dist/node-agent.cjs, a SEA asset of cnits): the
// executable's entry evaluates it only for `cnits node`, so plugin execs never load the
// agent or its etcd client (grpc-js, protobufjs).
import { defaultRunner } from '../masq/run';
import { openNetlink } from '../netlink';
import { Agent } from './agent';
import { Etcd3Store } from './etcd';
import { FlagError, usage } from './goflag';
import { readFileSync } from 'node:fs';
import { KubeClient } from '../kube/client';
import { inClusterConfig, kubeconfigFile } from '../kube/config';
import { parseNetworkConfig } from './config';
import { KubeAgent } from './kube-agent';
import { NODE_FLAGS, type NodeOptions, parseNodeOptions } from './options';
import { Stopped } from './retry';

declare const __CNITS_VERSION__: string | undefined;
const version = typeof __CNITS_VERSION__ === 'string' ? __CNITS_VERSION__ : 'dev';

/** `cnits node [flags]`; resolves to the exit status. */
export async function runNode(argv: readonly string[], log: (line: string) => void): Promise<number> {
  let opts;
  try {
    opts = parseNodeOptions(argv, process.env);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    if (!e.help) log(e.message);
    log(`Usage: cnits node [OPTION]...\n${usage(NODE_FLAGS)}`);
    return e.help ? 0 : 2;
  }
  if (opts.version) { log(`cnits node ${version}`); return 0; }

  const stop = new AbortController();
  const onSignal = (sig: string) => (): void => { log(`${sig}: exiting; routes, rules and the lease stay`); stop.abort(); };
  process.on('SIGTERM', onSignal('SIGTERM'));
  process.on('SIGINT', onSignal('SIGINT'));
  if (opts.kubeSubnetMgr) return runKube(opts, log, stop.signal);
  const store = new Etcd3Store({
    endpoints: opts.etcdEndpoints, caFile: opts.etcdCAFile, certFile: opts.etcdCertFile, keyFile: opts.etcdKeyFile,
    username: opts.etcdUsername, password: opts.etcdPassword,
  });
  const nl = openNetlink(null);
  try {
    await new Agent(opts, { store, nl, runner: defaultRunner, log, signal: stop.signal }).run();
    return 0;
  } catch (e) {
    if (e instanceof Stopped) return 0;
    log(`cnits node: ${(e as Error).message}`);
    return 1;
  } finally {
    store.close();
    nl.close();
  }
}

/** Kubernetes mode: net-conf.json, then the agent on the API's nodes. */
async function runKube(opts: NodeOptions, log: (line: string) => void, signal: AbortSignal): Promise<number> {
  let cfg;
  let client;
  try {
    const text = readFileSync(opts.netConfigPath, 'utf8');
    try { cfg = parseNetworkConfig(text); } catch (e) { log(`${opts.netConfigPath}: ${(e as Error).message}`); return 1; }
    client = new KubeClient(opts.kubeconfigFile ? kubeconfigFile(opts.kubeconfigFile) : inClusterConfig());
  } catch (e) {
    log(`cnits node: ${(e as Error).message}`);
    return 1;
  }
  const nl = openNetlink(null);
  try {
    await new KubeAgent(opts, cfg, { client, nl, runner: defaultRunner, log, signal }).run();
    return 0;
  } catch (e) {
    log(`cnits node: ${(e as Error).message}`);
    return 1;
  } finally {
    nl.close();
  }
}
