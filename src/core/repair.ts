import type { GeneratedFile, Lang, TestReport } from '../types.js';

export interface RepairContext {
  lang: Lang;
  tests: TestReport;
  files: GeneratedFile[];
  protectTests: boolean;
}

/** Bounds that keep a flood of failures from blowing the context or the bill. */
const MAX_CASES = 10;
const MAX_MESSAGE_CHARS = 1500;
const MAX_OUTPUT_TAIL = 3000;
const MAX_TOTAL = 12_000;

/**
 * The message that follows a failing run: what failed, in the model's own file format, and what to send back.
 * The files themselves are already in the conversation (the model's previous reply), so only failures go here.
 */
export function buildRepairMessage(ctx: RepairContext): string {
  const t = ctx.tests;
  const failing = t.cases.filter((c) => c.status === 'failed' || c.status === 'error');
  const parts: string[] = [];
  parts.push(
    `The tests ran: ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped.` +
      (t.problem ? `\nProblem: ${t.problem}` : ''),
  );
  if (t.install && !t.install.ok) {
    parts.push(`Installing dependencies (${t.install.packages.join(', ')}) failed:\n${clip(t.install.output ?? '', MAX_MESSAGE_CHARS)}`);
  }
  for (const c of failing.slice(0, MAX_CASES)) {
    parts.push(`### ${c.status.toUpperCase()}: ${c.name}${c.file ? ` (${c.file})` : ''}\n${clip(c.message ?? '(no message)', MAX_MESSAGE_CHARS)}`);
  }
  if (failing.length > MAX_CASES) parts.push(`…and ${failing.length - MAX_CASES} more failing tests not shown.`);
  if ((failing.length === 0 || t.problem) && t.output) {
    parts.push(`Last lines of the test run's output:\n${clipTail(t.output, MAX_OUTPUT_TAIL)}`);
  }
  const testFiles = ctx.files.filter((f) => f.kind === 'test').map((f) => f.path);
  parts.push(
    'Fix the code so that the tests pass. Reply with the complete new content of every file you change, ' +
      'in the same fenced-block format as before (```lang path=FILE). Files you do not change need not be repeated. ' +
      'To delete a file, write a line `path=FILE deleted`.' +
      (ctx.protectTests
        ? ` The test files (${testFiles.join(', ')}) are fixed: changes to them will be ignored, so fix the implementation.`
        : ' Change a test only if the test itself is wrong, and never weaken or remove a test to make it pass.'),
  );
  return clip(parts.join('\n\n'), MAX_TOTAL);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n…[${text.length - max} characters cut]`;
}

function clipTail(text: string, max: number): string {
  return text.length <= max ? text : `…[${text.length - max} characters cut]\n${text.slice(-max)}`;
}

/** Test cases and assertions the files define, counted from source, to notice a round that deletes tests. */
export function countTestCases(files: GeneratedFile[]): number {
  let n = 0;
  for (const f of files) {
    if (f.kind !== 'test') continue;
    n += (f.content.match(/^\s*(?:async\s+)?def\s+test_\w*|\b(?:it|test)\s*\(\s*['"`]/gm) ?? []).length;
  }
  return n;
}
