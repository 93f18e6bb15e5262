// The multi-call executable's entry. Built into a V8 startup snapshot: everything
// at top level (module init, the plugin registry, a warm-up of every verb) runs at
// build time; only main() runs per exec.
import * as v8 from 'node:v8';
import { main } from '../lib/cni/main';
import { plugins, warmups } from './registry';
import { warmup } from './warmup';
import { warmupNetlink } from './warmup-netlink';

if (v8.startupSnapshot?.isBuildingSnapshot()) {
  // a warm-up failure fails the build: the snapshot would miss what it was meant to hold
  void warmup(warmups).then(warmupNetlink).catch((err: unknown) => { console.error('snapshot warm-up failed:', err); process.exitCode = 1; });
  v8.startupSnapshot.setDeserializeMainFunction(() => void main(plugins));
} else {
  void main(plugins);
}
