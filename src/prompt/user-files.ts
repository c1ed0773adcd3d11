/**
 * The user's files in the first request: acceptance tests as the specification the code must satisfy (and that
 * the model must not write), context files as the project the code lives in (read-only). Hidden tests never
 * come here. Both are bounded by one byte budget, checked before anything is sent.
 */
import { UsageError } from '../errors.js';
import type { Lang } from '../languages/registry.js';
import type { SourceFile } from '../sandbox/run-context.js';
import { formatFileBlock } from './file-block.js';

/** What acceptance tests and context together may add to the prompt, unless the rc file's limits.contextBytes says otherwise. */
export const DEFAULT_CONTEXT_BUDGET = 100 * 1024;

export interface PromptFiles {
  acceptance: SourceFile[];
  context: SourceFile[];
}

/** "3 files, 12.4 KB of the 100 KB budget", or a UsageError when they do not fit. */
export function checkContextBudget(files: PromptFiles, budget: number): string | null {
  const all = [...files.acceptance, ...files.context];
  if (all.length === 0) return null;
  const bytes = all.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  if (bytes > budget) {
    const largest = [...all].sort((a, b) => Buffer.byteLength(b.content) - Buffer.byteLength(a.content)).slice(0, 3);
    throw new UsageError(
      `--tests and --context hold ${kb(bytes)}, more than the ${kb(budget)} the prompt may carry (largest: ${largest
        .map((f) => `${f.path} ${kb(Buffer.byteLength(f.content))}`)
        .join(', ')})`,
      { code: 'context_too_large', hint: 'name fewer or smaller files, or raise limits.contextBytes in your rc file' },
    );
  }
  const parts = [
    files.acceptance.length > 0 ? `${files.acceptance.length} acceptance test file${files.acceptance.length === 1 ? '' : 's'}` : null,
    files.context.length > 0 ? `${files.context.length} context file${files.context.length === 1 ? '' : 's'}` : null,
  ].filter(Boolean);
  return `prompt carries ${parts.join(' and ')}: ${kb(bytes)} of the ${kb(budget)} budget`;
}

/** The sections that follow the user's request in the first message. */
export function userFileSections(files: PromptFiles, lang: Lang): string[] {
  const sections: string[] = [];
  if (files.context.length > 0) {
    sections.push(
      [
        `Files of the project the code lives in (read-only context: import them as they are, at these paths; do not write ` +
          `files with these paths): ${files.context.map((f) => f.path).join(', ')}.`,
        ...files.context.map((f) => formatFileBlock(f.path, f.content, lang)),
      ].join('\n\n'),
    );
  }
  if (files.acceptance.length > 0) {
    const names = files.acceptance.map((f) => f.path).join(', ');
    sections.push(
      [
        `Acceptance tests: the specification. Your code must make these tests pass exactly as they are written. They ` +
          `are the user's files (${names}): never write, change or delete them, and do not write files that would ` +
          'shadow or alter them (a conftest.py, test configuration, a module named like a test). ptc refuses such ' +
          'files and runs these tests beside yours. Still write your own tests for the code, in files with other names.',
        ...files.acceptance.map((f) => formatFileBlock(f.path, f.content, lang)),
      ].join('\n\n'),
    );
  }
  return sections;
}
