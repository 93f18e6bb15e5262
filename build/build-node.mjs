// The node agent bundle, dist/node-agent.cjs: lib/node/main.ts with the etcd3 client and
// its gRPC stack, kept apart from dist/cnits.cjs (and so from the V8 startup snapshot that
// every plugin exec loads). build.mjs embeds it in cnits as a SEA asset; build/entry.ts
// evaluates it for `cnits node` only.
//
// etcd3 reads its .proto files at run time from beside its own sources
// (`loadSync(__dirname + '/../proto/rpc.proto')`), which a single-file executable does not
// have: the plugin below parses them here, at build time, and puts the descriptor in the
// bundle (proto-loader's fromJSON takes it, with the same options).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const LOAD = /\(0, proto_loader_1\.loadSync\)\(`\$\{__dirname\}\/\.\.\/proto\/rpc\.proto`, \{/;

/** etcd3's proto tree as protobufjs JSON, parsed with the options etcd3 passes (keepCase). */
function etcdProtoJson() {
  const etcd3 = dirname(require.resolve('etcd3/package.json'));
  const protobuf = createRequire(require.resolve('@grpc/proto-loader', { paths: [etcd3] }))('protobufjs');
  const rootNs = new protobuf.Root();
  rootNs.resolvePath = (origin, target) => (target.startsWith('/') ? target : join(etcd3, 'proto', target.replace(/^\.\//, '')));
  rootNs.loadSync(join(etcd3, 'proto', 'rpc.proto'), { keepCase: true });
  return rootNs.toJSON();
}

const inlineEtcdProtos = {
  name: 'inline-etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      if (!LOAD.test(src)) throw new Error(`${args.path}: etcd3 no longer loads its protos as expected; update build/build-node.mjs`);
      const json = JSON.stringify(etcdProtoJson());
      return { contents: src.replace(LOAD, `(0, proto_loader_1.fromJSON)(${json}, {`), loader: 'js' };
    });
  },
};

export async function buildNodeAgent({ version, buildId, addonId }) {
  await build({
    entryPoints: [join(root, 'lib/node/main.ts')], outfile: join(root, 'dist/node-agent.cjs'), bundle: true, platform: 'node',
    target: 'node20', format: 'cjs', minify: true, legalComments: 'none', logLevel: 'warning', plugins: [inlineEtcdProtos],
    define: { __CNITS_VERSION__: JSON.stringify(version), __CNITS_BUILD_ID__: JSON.stringify(buildId), __CNITS_ADDON_ID__: JSON.stringify(addonId), 'import.meta.url': '"file:///node-agent.cjs"' },
  });
}
