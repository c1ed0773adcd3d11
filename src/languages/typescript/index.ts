/** TypeScript: run by node's test runner (transpiled in the sandbox where node cannot strip types). */
import { NODE_TEST_RULES, nodeFamily } from '../node/shared.js';
import type { Language } from '../types.js';

export const typescript = {
  ...nodeFamily,
  id: 'typescript',
  label: 'TypeScript',
  fenceTags: ['typescript', 'ts', 'mts', 'cts', 'tsx'],
  extensions: ['ts', 'mts', 'cts', 'tsx'],
  projectExtensions: ['ts', 'mts', 'cts'],
  prompt: `Language: TypeScript, run directly by Node.js (type stripping, no build step) with Node's built-in test runner.
- One implementation module, e.g. \`\`\`typescript path=slugify.ts, and one test file named <module>.test.ts,
  e.g. \`\`\`typescript path=slugify.test.ts.
- Use ES modules. Import local files with their explicit .ts extension (\`import { slugify } from './slugify.ts'\`).
- Use only erasable TypeScript syntax: type annotations, interfaces and type aliases are fine; no enums, no
  namespaces, no parameter properties in constructors, no decorators, no \`import x = require()\`. Import
  types with \`import type\`.
${NODE_TEST_RULES}`,
  testFileName: (stem) => `${stem}.test.ts`,
  testFileHint: '*.test.ts / *.test.js',
} as const satisfies Language;
