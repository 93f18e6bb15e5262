// The import direction is a lint rule (eslint.config.mjs): an upward import fails `npm run lint`.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
const table: [string, string, string, boolean][] = [
  ['lib imports a plugin', 'lib/cni/upward.ts', "import { plugin } from '../../plugins/bridge/main';", false],
  ['lib imports IPAM', 'lib/masq/upward.ts', "import { plugin } from '../../ipam/host-local/main';", false],
  ['lib imports the entry', 'lib/daemon/upward.ts', "import { plugins } from '../../build/registry';", false],
  ['lib/cni imports the daemon', 'lib/cni/upward.ts', "import { runDaemon } from '../daemon/server';", false],
  ['a plugin imports another', 'plugins/macvlan/sideways.ts', "import { plugin } from '../bridge/main';", false],
  ['conformance imports the suite', 'conformance/upward.ts', "import { run } from '../lib/cni/skel';", false],
  ['a plugin imports the node agent', 'plugins/bridge/agent.ts', "import { runNode } from '../../lib/node/main';", false],
  ['the entry imports the node agent', 'build/entry.ts', "import { runNode } from '../lib/node/main';", false],
  ['lib/masq imports the node agent', 'lib/masq/agent.ts', "import { Agent } from '../node/agent';", false],
  ['the node agent imports lib', 'lib/node/down.ts', "import { openNetlink } from '../netlink';", true],
  ['a plugin imports lib', 'plugins/macvlan/down.ts', "import { run } from '../../lib/cni/skel';", true],
  ['the daemon imports lib/cni', 'lib/daemon/down.ts', "import { run } from '../cni/skel';", true],
];

describe('import direction', () => {
  it.each(table)('%s: %s', async (_what, filePath, line, allowed) => {
    const [r] = await eslint.lintText(`${line}\nexport const used = [${line.match(/import \{ (\w+) \}/)?.[1]}];\n`, { filePath });
    const restricted = (r?.messages ?? []).filter((m) => m.ruleId === 'import-x/no-restricted-paths');
    expect(restricted.length === 0).toBe(allowed);
  }, 30_000);
});
