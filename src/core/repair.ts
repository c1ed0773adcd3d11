/**
 * What a repair round tells the model, and the guard that notices a round passing by removing tests.
 * Pure functions over the working set and the last test report; the pipeline does the calling and writing.
 */
import { languageOfExtension } from '../languages/registry.js';
import { extensionOf, sourceExtension, tagForPath } from '../reply/languages.js';
import type { Lang } from '../languages/registry.js';
import type { GeneratedFile, TestCase, TestReport } from '../types.js';

export interface RepairContext {
  lang: Lang;
  tests: TestReport;
  /** The working set as it is now (after every earlier round). */
  files: GeneratedFile[];
  protectTests: boolean;
  /** Test files whose changes the previous round dropped (--protect-tests): the model is told so. */
  ignoredTestChanges?: string[];
  /** Files of the previous reply that were not written, with why. */
  refused?: { path: string; reason: string }[];
  /** The user's acceptance tests: fixed, and their failures come first. */
  acceptance?: string[];
}

/** Bounds that keep a flood of failures from blowing the context or the bill. */
export const REPAIR_LIMITS = {
  /** Failing cases shown one by one. */
  maxCases: 10,
  /** Per case: characters, and lines of traceback kept (head and tail, middle cut). */
  maxCaseChars: 1500,
  maxCaseLines: 30,
  /** Tail of the runner's output: short when the cases already say what failed, longer when they do not. */
  outputTailWithCases: 1500,
  outputTailAlone: 4000,
  installTail: 1500,
  /** The whole report part; the instructions after it are never cut. */
  maxReport: 10_000,
} as const;

/**
 * The message that follows a failing run: what failed, then how to answer. The files themselves are already
 * in the conversation (the model's earlier replies), so only failures and the instructions go here.
 */
export function buildRepairMessage(ctx: RepairContext): string {
  const report = clip(failureReport(ctx.tests), REPAIR_LIMITS.maxReport);
  return [report, ...notices(ctx), instructions(ctx)].join('\n\n');
}

const isBad = (c: TestCase) => c.status === 'failed' || c.status === 'error';

/**
 * What failed, as the model may see it: the user's acceptance tests first, then its own; of the hidden tests
 * only how many failed (never a name, a message or their run's output).
 */
function failureReport(t: TestReport): string {
  const visible = t.cases.filter((c) => c.origin !== 'hidden');
  const hiddenFailed = t.cases.filter((c) => c.origin === 'hidden' && isBad(c)).length;
  const failing = [...visible.filter((c) => isBad(c) && c.origin === 'acceptance'), ...visible.filter((c) => isBad(c) && c.origin !== 'acceptance')];
  // The counts may cover cases the report does not list: take the hidden ones away rather than recount.
  const hidden = (s: TestCase['status']) => t.cases.filter((c) => c.origin === 'hidden' && c.status === s).length;
  const head: string[] = [
    `The tests failed: ${t.passed - hidden('passed')} passed, ${t.failed - hidden('failed')} failed, ${t.errors - hidden('error')} errors, ${t.skipped - hidden('skipped')} skipped.`,
  ];
  const acceptanceFailed = failing.filter((c) => c.origin === 'acceptance').length;
  if (acceptanceFailed > 0) head.push(`${acceptanceFailed} of them are the user's acceptance tests: they are the specification, shown first.`);
  if (hiddenFailed > 0 || t.hiddenProblem) {
    head.push(
      `${hiddenFailed > 0 ? `${hiddenFailed} hidden test${hiddenFailed === 1 ? '' : 's'} failed` : 'The hidden tests did not pass'}: the user's own tests, ` +
        'which are not shown. Make the code right for the whole task as asked, not only for the tests you can see.',
    );
  }
  if (t.problem) head.push(`Problem: ${t.problem}`);
  if (t.install && !t.install.ok) {
    const packages = t.install.packages.join(', ') || 'the dependencies';
    head.push(`Installing ${packages} failed:\n${fenced(clipTail(t.install.output ?? '(no output)', REPAIR_LIMITS.installTail))}`);
  }
  const shown = failing.slice(0, REPAIR_LIMITS.maxCases);
  const tail: string[] = [];
  if (failing.length > shown.length) tail.push(`…and ${failing.length - shown.length} more failing tests not shown.`);
  if (t.output && t.output.trim() !== '') {
    const max = shown.length > 0 ? REPAIR_LIMITS.outputTailWithCases : REPAIR_LIMITS.outputTailAlone;
    tail.push(`Last lines of the test run's output:\n${fenced(clipTail(t.output.trimEnd(), max))}`);
  }
  // The cases share what the summary, install report and output tail leave of the budget.
  const fixed = [...head, ...tail].reduce((n, p) => n + p.length + 2, 0);
  const perCase = shown.length === 0 ? 0 : Math.max(300, Math.min(REPAIR_LIMITS.maxCaseChars, Math.floor((REPAIR_LIMITS.maxReport - fixed) / shown.length) - 100));
  return [...head, ...shown.map((c) => describeCase(c, perCase)), ...tail].join('\n\n');
}

function describeCase(c: TestCase, maxChars: number): string {
  const where = c.file ? ` (${c.file})` : '';
  const message = c.message?.trim() ? trimTraceback(c.message.trim(), REPAIR_LIMITS.maxCaseLines, maxChars) : '(no message)';
  return `${c.status === 'error' ? 'ERROR' : 'FAILED'}: ${c.name}${where}\n${fenced(message)}`;
}

/** A traceback keeps its start (where it was raised from) and its end (the assertion): the middle goes first. */
export function trimTraceback(text: string, maxLines: number = REPAIR_LIMITS.maxCaseLines, maxChars: number = REPAIR_LIMITS.maxCaseChars): string {
  let lines = text.split('\n');
  if (lines.length > maxLines) {
    const head = Math.floor(maxLines / 3);
    const tail = maxLines - head;
    lines = [...lines.slice(0, head), `…[${lines.length - maxLines} lines cut]`, ...lines.slice(-tail)];
  }
  const joined = lines.join('\n');
  if (joined.length <= maxChars) return joined;
  const half = Math.floor(maxChars / 2);
  return `${joined.slice(0, half)}\n…[${joined.length - 2 * half} characters cut]\n${joined.slice(-half)}`;
}

function notices(ctx: RepairContext): string[] {
  const out: string[] = [];
  if (ctx.ignoredTestChanges && ctx.ignoredTestChanges.length > 0) {
    out.push(
      `Your last reply changed the test files ${ctx.ignoredTestChanges.join(', ')}. Those changes were ignored: ` +
        'the tests are fixed and must pass as they are.',
    );
  }
  if (ctx.refused && ctx.refused.length > 0) {
    out.push(`These files of your last reply were not written: ${ctx.refused.map((r) => `${r.path} (${r.reason})`).join('; ')}.`);
  }
  return out;
}

/** How to answer, in exactly the syntax the reply parser accepts for files and for deletions. */
function instructions(ctx: RepairContext): string {
  const paths = ctx.files.map((f) => f.path);
  const code = ctx.files.find((f) => f.kind === 'code') ?? ctx.files[0];
  const example = code ? code.path : `module${sourceExtension(ctx.lang)}`;
  const tag = tagForPath(example, ctx.lang);
  const testFiles = ctx.files.filter((f) => f.kind === 'test').map((f) => f.path);
  const lines = [
    paths.length > 0 ? `The project's files now are: ${paths.join(', ')}.` : '',
    'Fix the code so that the tests pass. Reply with the complete new content of every file you change, each in its ' +
      'own fenced block with its path in the opening fence, as before:',
    `\`\`\`${tag} path=${example}\n<the whole file>\n\`\`\``,
    'Use the same relative paths (forward slashes, no absolute paths, no ".."). Files you do not send stay as they ' +
      'are. To delete a file, send an empty block with the word deleted after its path:',
    `\`\`\`${tag} path=<file to delete> deleted\n\`\`\``,
    ctx.acceptance && ctx.acceptance.length > 0
      ? `The user's acceptance tests (${ctx.acceptance.join(', ')}) are fixed: never send, change or shadow them.`
      : '',
    ctx.protectTests
      ? `The test files${testFiles.length > 0 ? ` (${testFiles.join(', ')})` : ''} are fixed: any change to them, and any new ` +
        'or deleted test file, will be ignored. Fix the implementation.'
      : 'Change a test only if the test itself is wrong; never delete, skip or weaken a test to make it pass.',
  ];
  return lines.filter(Boolean).join('\n');
}

/** A fence longer than any backtick run in the text, so output holding ``` cannot end it early. */
function fenced(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n…[${text.length - max} characters cut]`;
}

function clipTail(text: string, max: number): string {
  return text.length <= max ? text : `…[${text.length - max} characters cut]\n${text.slice(-max)}`;
}

// ---------- the cheating guard ----------

export interface TestMeasure {
  testFiles: number;
  cases: number;
  assertions: number;
}

/**
 * Test files, test cases and assertions the working set defines, counted from source by each file's language
 * (a test file in a language ptc does not know counts as a file only).
 */
export function measureTests(files: GeneratedFile[]): TestMeasure {
  const m: TestMeasure = { testFiles: 0, cases: 0, assertions: 0 };
  for (const f of files) {
    if (f.kind !== 'test') continue;
    m.testFiles++;
    const counting = languageOfExtension(extensionOf(f.path))?.counting;
    if (!counting) continue;
    m.cases += (f.content.match(counting.cases) ?? []).length;
    m.assertions += (f.content.match(counting.assertions) ?? []).length;
  }
  return m;
}

/**
 * What a round took away from the tests ("test cases 3 → 2, assertions 5 → 3"), or null when nothing was.
 * A deleted test file counts even when the numbers hold (its cases may have moved somewhere weaker).
 */
export function testsRemoved(before: TestMeasure, after: TestMeasure, deletedTestFiles: string[] = []): string | null {
  const parts: string[] = [];
  if (deletedTestFiles.length > 0) parts.push(`deleted ${deletedTestFiles.join(', ')}`);
  else if (after.testFiles < before.testFiles) parts.push(`test files ${before.testFiles} → ${after.testFiles}`);
  if (after.cases < before.cases) parts.push(`test cases ${before.cases} → ${after.cases}`);
  if (after.assertions < before.assertions) parts.push(`assertions ${before.assertions} → ${after.assertions}`);
  return parts.length > 0 ? parts.join(', ') : null;
}
