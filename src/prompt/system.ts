/**
 * The prompt: one fixed system message per language, then the user's request. Deterministic (no dates, no
 * randomness) so providers can cache the system prefix and users can read exactly what was sent.
 */
import type { ChatMessage, Lang } from '../types.js';
import { tagForPath } from '../reply/languages.js';

export interface BuildMessagesInput {
  lang: Lang;
  prompt: string;
  /** Replaces the built-in system prompt (rc file `prompt.system`). */
  system?: string;
  /** Appended to the system prompt (rc file `prompt.systemAppend`). */
  systemAppend?: string;
}

const SHARED_RULES = `You write small, correct programs together with tests that prove they work.

Answer with the implementation and its tests as files, each in its own fenced code block. Put the file's path in the
opening fence, after the language, as path=<relative path>, like this:

\`\`\`<language> path=<file name>
<file content>
\`\`\`

Rules for the files:
- Paths are relative, use forward slashes, and stay inside the project (no absolute paths, no "..").
- Put nothing but the file's content inside a block: no explanations, no "..." placeholders, no omitted parts.
- Write each file completely. Do not repeat a file.
- The tests must exercise the implementation thoroughly: normal cases, edge cases and invalid input where it
  matters. They must pass against your implementation, deterministically, without network access.
- Keep any explanation short and outside the code blocks.`;

const LANG_RULES: Record<Lang, string> = {
  python: `Language: Python 3 with pytest.
- One implementation module, e.g. \`\`\`python path=prime.py, and one test module named test_<module>.py,
  e.g. \`\`\`python path=test_prime.py.
- The tests import the implementation by module name (\`from prime import is_prime\`), use plain assert
  statements and pytest features only, and need no conftest.py.
- Prefer the standard library. If third-party packages are truly needed, add a block
  \`\`\`text path=requirements.txt listing them, one per line (do not list pytest). Otherwise add no
  requirements file.`,
  typescript: `Language: TypeScript, run directly by Node.js (type stripping, no build step) with Node's built-in test runner.
- One implementation module, e.g. \`\`\`typescript path=slugify.ts, and one test file named <module>.test.ts,
  e.g. \`\`\`typescript path=slugify.test.ts.
- Use ES modules. Import local files with their explicit .ts extension (\`import { slugify } from './slugify.ts'\`).
- Use only erasable TypeScript syntax: type annotations, interfaces and type aliases are fine; no enums, no
  namespaces, no parameter properties in constructors, no decorators, no \`import x = require()\`. Import
  types with \`import type\`.
- Tests use \`import { test, describe } from 'node:test'\` and \`import assert from 'node:assert/strict'\`; no
  other test framework.
- Prefer Node's standard library. If third-party npm packages are truly needed, add one line outside the
  code blocks: deps: <package> <package>. Otherwise add no deps line and no package.json.`,
  javascript: `Language: JavaScript (ES modules) on Node.js with Node's built-in test runner.
- One implementation module, e.g. \`\`\`javascript path=slugify.js, and one test file named <module>.test.js,
  e.g. \`\`\`javascript path=slugify.test.js.
- Use ES modules (import/export, not require). Import local files with their explicit .js extension
  (\`import { slugify } from './slugify.js'\`).
- Tests use \`import { test, describe } from 'node:test'\` and \`import assert from 'node:assert/strict'\`; no
  other test framework.
- Prefer Node's standard library. If third-party npm packages are truly needed, add one line outside the
  code blocks: deps: <package> <package>. Otherwise add no deps line and no package.json.`,
};

/** The built-in system prompt for a language (what `--verbose` and `--dry-run` show). */
export function systemPrompt(lang: Lang): string {
  return `${SHARED_RULES}\n\n${LANG_RULES[lang]}`;
}

export function buildMessages(input: BuildMessagesInput): ChatMessage[] {
  let system = input.system !== undefined && input.system.trim() !== '' ? input.system.trim() : systemPrompt(input.lang);
  if (input.systemAppend && input.systemAppend.trim() !== '') system += `\n\n${input.systemAppend.trim()}`;
  return [
    { role: 'system', content: system, cache: true },
    { role: 'user', content: input.prompt.trim() },
  ];
}

/** The longest run of a fence character at the start of any line of `content`. */
function longestFenceRun(content: string, char: string): number {
  let longest = 0;
  for (const line of content.split('\n')) {
    const t = line.trimStart();
    let n = 0;
    while (n < t.length && t[n] === char) n++;
    if (n > longest) longest = n;
  }
  return longest;
}

/**
 * A file shown in the same format the system prompt asks for (for repair prompts), fenced with enough
 * backticks that fences inside the content cannot close it.
 */
export function formatFileBlock(path: string, content: string, lang: Lang): string {
  const fence = '`'.repeat(Math.max(3, longestFenceRun(content, '`') + 1));
  const body = content.endsWith('\n') ? content : `${content}\n`;
  const shownPath = /\s/.test(path) ? `"${path}"` : path;
  return `${fence}${tagForPath(path, lang)} path=${shownPath}\n${body}${fence}`;
}
