// The multi-call executable's entry. Built into a V8 startup snapshot: everything
// at top level (module init, the plugin registry, a warm-up of every verb) runs at
// build time; only main() runs per exec.
import * as v8 from 'node:v8';
import { main } from '../lib/cni/main';
import { plugins, warmups } from './registry';
import { warmup } from './warmup';

if (v8.startupSnapshot?.isBuildingSnapshot()) {
  void warmup(warmups);
  v8.startupSnapshot.setDeserializeMainFunction(() => void main(plugins));
} else {
  void main(plugins);
}
