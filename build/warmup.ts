// Runs every verb of every plugin once at snapshot-build time, against side-effect
// free variants (in-memory stores, no kernel), so V8 has compiled the exec path's
// functions before the heap is serialized: a plugin process then starts with them
// compiled instead of parsing and compiling them lazily on every exec.
import type { Plugin } from '../lib/cni/plugin';
import { run } from '../lib/cni/skel';

export interface Warmup {
  plugin: Plugin;
  conf: object;
}

export async function warmup(list: readonly Warmup[]): Promise<void> {
  for (const { plugin, conf } of list) {
    for (const command of ['VERSION', 'ADD', 'CHECK', 'STATUS', 'GC', 'DEL', 'BOGUS', '']) {
      for (const version of ['0.2.0', '0.4.0', '1.0.0', '1.1.0']) {
        const stdin = Buffer.from(JSON.stringify({ ...conf, cniVersion: version }));
        await run(plugin, {
          env: { CNI_COMMAND: command, CNI_CONTAINERID: 'warmup', CNI_IFNAME: 'eth0', CNI_NETNS: '/warmup', CNI_PATH: '/warmup', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=x' },
          readStdin: () => stdin,
          stdout: () => undefined,
          stderr: () => undefined,
          netnsId: () => undefined,
        });
      }
    }
  }
}
