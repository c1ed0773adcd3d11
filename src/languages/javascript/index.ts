/** JavaScript (ES modules) on node's test runner. */
import { NODE_TEST_RULES, nodeFamily } from '../node/shared.js';
import type { Language } from '../types.js';

export const javascript = {
  ...nodeFamily,
  id: 'javascript',
  label: 'JavaScript',
  fenceTags: ['javascript', 'js', 'mjs', 'cjs', 'jsx', 'node', 'nodejs'],
  extensions: ['js', 'mjs', 'cjs', 'jsx'],
  projectExtensions: ['js', 'mjs', 'cjs'],
  prompt: `Language: JavaScript (ES modules) on Node.js with Node's built-in test runner.
- One implementation module, e.g. \`\`\`javascript path=slugify.js, and one test file named <module>.test.js,
  e.g. \`\`\`javascript path=slugify.test.js.
- Use ES modules (import/export, not require). Import local files with their explicit .js extension
  (\`import { slugify } from './slugify.js'\`).
${NODE_TEST_RULES}`,
  testFileName: (stem) => `${stem}.test.js`,
  testFileHint: '*.test.ts / *.test.js',
} as const satisfies Language;
