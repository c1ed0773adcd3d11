/**
 * The prompt: one fixed system message per language (the shared rules, then the language's own section), then the
 * user's request. Deterministic (no dates, no
 * randomness) so providers can cache the system prefix and users can read exactly what was sent.
 */
import { getLanguage } from '../languages/registry.js';
import type { Lang } from '../languages/registry.js';
import type { ChatMessage } from '../types.js';
import type { SourceFile } from '../sandbox/run-context.js';
import { userFileSections } from './user-files.js';

export interface BuildMessagesInput {
  lang: Lang;
  prompt: string;
  /** Replaces the built-in system prompt (rc file `prompt.system`). */
  system?: string;
  /** Appended to the system prompt (rc file `prompt.systemAppend`). */
  systemAppend?: string;
  /** The user's acceptance tests: shown after the request as the spec (never the hidden ones). */
  acceptance?: SourceFile[];
  /** The user's project files the code may import, shown read-only. */
  context?: SourceFile[];
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

/** The built-in system prompt for a language (what `--verbose` and `--dry-run` show). */
export function systemPrompt(lang: Lang): string {
  return `${SHARED_RULES}\n\n${getLanguage(lang).prompt}`;
}

export function buildMessages(input: BuildMessagesInput): ChatMessage[] {
  let system = input.system !== undefined && input.system.trim() !== '' ? input.system.trim() : systemPrompt(input.lang);
  if (input.systemAppend && input.systemAppend.trim() !== '') system += `\n\n${input.systemAppend.trim()}`;
  const sections = userFileSections({ acceptance: input.acceptance ?? [], context: input.context ?? [] }, input.lang);
  return [
    { role: 'system', content: system, cache: true },
    { role: 'user', content: [input.prompt.trim(), ...sections].join('\n\n') },
  ];
}

/** Files in prompts are fenced as the system prompt asks for them (file-block.ts). */
export { formatFileBlock } from './file-block.js';
