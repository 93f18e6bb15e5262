// `npm run lint`: typescript-eslint's recommended rules, and the import direction of
// ARCHITECTURE.md as rules, so an upward import fails CI instead of a review:
//   plugins/, ipam/  -> lib/            (never one plugin into another)
//   lib/             -> lib/ only       (never plugins/, ipam/, build/, conformance/)
//   lib/cni/         -> never lib/daemon/ (the runtime library knows nothing of the daemon)
//   lib/node/        <- nothing but tests (the node agent is a separate bundle: an import from
//                       the plugins, the rest of lib or the entry would pull etcd3 into every exec)
//   conformance/     -> nothing of the suite (it must judge any plugin directory)
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { readdirSync } from 'node:fs';
import tseslint from 'typescript-eslint';

const zone = (target, from, message) => ({ target, from, message });
const pluginDirs = readdirSync(new URL('./plugins', import.meta.url), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', '**/generated/**', 'lib/native/build/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-restricted-paths': ['error', {
        zones: [
          zone('./lib', './plugins', 'lib/ is the library the plugins use: it never imports a plugin'),
          zone('./lib', './ipam', 'lib/ never imports an IPAM plugin'),
          zone('./lib', './build', 'lib/ never imports the entry or build code'),
          zone('./lib', './conformance', 'lib/ never imports the conformance runner'),
          zone('./lib/cni', './lib/daemon', 'lib/cni is the CNI runtime library: the daemon uses it, not the other way round'),
          zone(['./lib/cni', './lib/daemon', './lib/link', './lib/masq', './lib/netlink', './lib/native', './lib/ip', './lib/exec.ts', './lib/settle.ts', './lib/undo.ts', './plugins', './ipam', './build'], './lib/node',
            'lib/node is the node agent, a separate bundle loaded only by `cnits node`: importing it would put etcd3 in every plugin exec'),
          zone('./plugins', './ipam', 'a plugin reaches IPAM by delegation (lib/cni/invoke), never by import'),
          zone('./ipam', './plugins', 'IPAM never imports a main plugin'),
          // one zone per plugin directory (the tree is the list of plugins)
          ...pluginDirs.map((d) => zone(`./plugins/${d}`, pluginDirs.filter((o) => o !== d).map((o) => `./plugins/${o}`), 'plugins share code through lib/, not with each other')),
          zone('./conformance', ['./lib', './plugins', './ipam', './build'], 'the conformance runner judges any plugin directory: it imports nothing of the suite'),
        ],
      }],
      'import-x/no-cycle': ['error', { maxDepth: 1 }],
      // intentional: Go-compatible parsing and the addon's untyped surface use these deliberately
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // tests may reach anything they test
    files: ['test/**'],
    rules: { 'import-x/no-restricted-paths': 'off' },
  },
);
