// Where the Kubernetes API is and how to prove who we are: in-cluster (the pod's service
// account, as client-go's rest.InClusterConfig) or a kubeconfig file (for running by hand).
// Only what a node agent needs: one server, a CA, and a bearer token or a client cert.
import { parse } from 'yaml';

export interface KubeConfig {
  /** https://host:port, no trailing slash */
  server: string;
  ca?: Buffer;
  insecure?: boolean;
  /** re-read on every request: service account tokens are rotated on disk */
  token?: () => string;
  cert?: Buffer;
  key?: Buffer;
}

export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

export function inClusterConfig(env: NodeJS.ProcessEnv = process.env, dir = serviceAccountDir): KubeConfig {
  const fs = process.getBuiltinModule('node:fs');
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) throw new Error('not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset (use -kubeconfig)');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { server, ca: fs.readFileSync(`${dir}/ca.crt`), token: () => fs.readFileSync(`${dir}/token`, 'utf8').trim() };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a kubeconfig document, read by shape
type Doc = any;

/** The current context's cluster and user of a kubeconfig file. */
export function kubeconfigFile(file: string): KubeConfig {
  const fs = process.getBuiltinModule('node:fs');
  const path = process.getBuiltinModule('node:path');
  const doc: Doc = parse(fs.readFileSync(file, 'utf8'));
  const named = (list: Doc, name: string, what: string): Doc => {
    const hit = (list ?? []).find((x: Doc) => x?.name === name);
    if (!hit) throw new Error(`${file}: no ${what} named ${JSON.stringify(name)}`);
    return hit;
  };
  const context = named(doc?.contexts, doc?.['current-context'], 'context').context;
  const cluster = named(doc?.clusters, context?.cluster, 'cluster').cluster;
  const user = named(doc?.users, context?.user, 'user').user ?? {};
  // relative paths in a kubeconfig are relative to the file
  const read = (data: unknown, ref: unknown): Buffer | undefined => {
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    if (typeof ref === 'string') return fs.readFileSync(path.resolve(path.dirname(file), ref));
    return undefined;
  };
  if (typeof cluster?.server !== 'string') throw new Error(`${file}: cluster ${context?.cluster} has no server`);
  const c: KubeConfig = { server: cluster.server.replace(/\/+$/, '') };
  const ca = read(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) c.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) c.insecure = true;
  const cert = read(user['client-certificate-data'], user['client-certificate']);
  const key = read(user['client-key-data'], user['client-key']);
  if (cert && key) { c.cert = cert; c.key = key; }
  if (typeof user.token === 'string') { const t = user.token; c.token = () => t; }
  else if (typeof user.tokenFile === 'string') { const f = user.tokenFile; c.token = () => fs.readFileSync(f, 'utf8').trim(); }
  return c;
}
