/** What JavaScript and TypeScript share: node's test runner, npm packages from package.json, the same signals. */
import { packagesFromPackageJson } from '../../reply/dependencies.js';
import type { Language } from '../types.js';
import { nodeShadows } from './shadows.js';
import { nodeSignals } from './signals.js';

/** The prompt lines both share: node:test, and npm packages on a `deps:` line. */
export const NODE_TEST_RULES = `- Tests use \`import { test, describe } from 'node:test'\` and \`import assert from 'node:assert/strict'\`; no
  other test framework.
- Prefer Node's standard library. If third-party npm packages are truly needed, add one line outside the
  code blocks: deps: <package> <package>. Otherwise add no deps line and no package.json.`;

export const nodeFamily = {
  family: 'node',
  isTestFileName: () => false, // the shared rules (`x.test.js`, `x.spec.ts`, `test/`) are node's own
  signals: nodeSignals,
  counting: {
    cases: /\b(?:it|test)(?:\.only)?\s*\(\s*['"`]/gm,
    // node's `assert(` / `assert.x(`, and `expect(`
    assertions: /\bassert(?:\.\w+)?\s*\(|\bexpect\s*\(/gm,
  },
  installedPackagesDir: 'node_modules',
  daytonaSnapshot: false,
  isIgnoredDir: (name) => name === 'node_modules',
  async projectDependencies(files) {
    const pkg = files.find((f) => f.path === 'package.json');
    return pkg ? packagesFromPackageJson(pkg.content) : [];
  },
  shadowsUserTests: nodeShadows,
  loadRunner: async () => (await import('./runner.js')).nodeRunner,
} as const satisfies Partial<Language>;
