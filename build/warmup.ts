// Runs every verb of every plugin once at snapshot-build time, against side-effect
// free variants (in-memory stores, no kernel), so V8 has compiled the exec path's
// functions before the heap is serialized: a plugin process then starts with them
// compiled instead of parsing and compiling them lazily on every exec.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plugin } from '../lib/cni/plugin';
import { run } from '../lib/cni/skel';

export interface Warmup {
  plugin: Plugin;
  conf: object;
}

export async function warmup(list: readonly Warmup[]): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'cnits-warmup-'));
  try {
    for (const w of list) await warm(w, scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function warm({ plugin, conf }: Warmup, scratch: string): Promise<void> {
  // "<scratch>" in a warm-up config stands for a throw-away dir (host-local's dataDir)
  const text = JSON.stringify(conf).replaceAll('"<scratch>"', JSON.stringify(scratch));
  for (const command of ['VERSION', 'ADD', 'CHECK', 'STATUS', 'GC', 'DEL', 'BOGUS', '']) {
    for (const version of ['0.2.0', '0.4.0', '1.0.0', '1.1.0']) {
      const stdin = Buffer.from(JSON.stringify({ ...JSON.parse(text), cniVersion: version }));
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
