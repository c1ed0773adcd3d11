import { relative } from 'node:path';
import { TestFailureCode } from '../errors.js';
import { shellQuote } from '../sandbox/shell-quote.js';
import type { Result } from './result-schema.js';

/**
 * The one step that helps after a run whose tests did not pass, as gh prints one: more repair rounds for
 * generate, or the free way — edit the code and run the tests again with `ptc run`. An error of any other kind
 * carries its own hint (the saved reply's `ptc apply … --force` among them), so it gets no second one here.
 */
export function nextStep(r: Result, cwd: string): string | null {
  if (r.ok || !r.error) return null;
  if (r.error.code !== TestFailureCode.failed && r.error.code !== TestFailureCode.untrusted) return null;
  const dir = r.outDir ? shownDir(r.outDir, cwd) : '.';
  const rerun = `\`ptc run ${/^[\w./@+-]+$/.test(dir) ? dir : shellQuote(dir)}\``;
  if (r.error.code === TestFailureCode.untrusted) return `read the code under test before trusting it, fix it, then ${rerun}`;
  // Nothing ran (no test file, or tests of another language): the message itself says what to change.
  if (r.command !== 'generate' && r.tests?.problem && r.tests.cases.length === 0) return null;
  if (r.command !== 'generate') return `fix the code, then ${rerun}`;
  if (r.stopReason?.startsWith('--max-cost')) return `raise --max-cost for more repair rounds, or fix the code and ${rerun}`;
  // Rounds after the first are repairs; one more than were made, and at least two, is worth a try.
  const repairs = Math.max(0, r.rounds.length - 1);
  return `retry with \`--fix ${Math.max(2, repairs + 1)}\`, or fix the code and ${rerun}`;
}

/** A folder as the user would type it: `./out` below the working directory, absolute elsewhere. */
export function shownDir(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  if (rel === '') return '.';
  return rel.startsWith('..') ? abs : `./${rel}`;
}
