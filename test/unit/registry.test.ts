import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { plugins } from '../../build/registry';

it('the registry lists exactly the plugin directories (plugins/*/main.ts, ipam/*/main.ts)', () => {
  const root = join(__dirname, '../..');
  const dirs = ['plugins', 'ipam'].filter((top) => existsSync(join(root, top))).flatMap((top) =>
    readdirSync(join(root, top)).filter((d) => existsSync(join(root, top, d, 'main.ts'))));
  expect(plugins.map((p) => p.name).sort()).toEqual(dirs.sort());
});
