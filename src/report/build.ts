import { ExitCode, TestFailureCode, type PtcError } from '../errors.js';
import { TEST_ORIGINS, type Cost, type TestCase, type TestOrigin, type TestReport, type Usage } from '../types.js';
import type { CandidateEntry, FileEntry, OriginSummary, Result, Round } from './result-schema.js';

/** A result being built while the pipeline runs, so a failure part-way still reports what was done. */
export interface ResultDraft {
  command: Result['command'];
  provider: string | null;
  model: string | null;
  outDir: string | null;
  files: FileEntry[];
  usage: Usage | null;
  cost: Cost | null;
  tests: TestReport | null;
  rounds: Round[];
  warnings: string[];
  refused: { path: string; reason: string }[];
  dryRun: boolean;
  stopReason: string | null;
  /** Where each raw model reply of this run was saved, in order (a paid reply is never lost). */
  replyFiles: string[];
  startedAt: number;
  /** --candidates k > 1: each candidate's outcome. */
  candidates?: CandidateEntry[];
}

export function newDraft(command: Result['command'], startedAt = Date.now()): ResultDraft {
  return {
    command,
    provider: null,
    model: null,
    outDir: null,
    files: [],
    usage: null,
    cost: null,
    tests: null,
    rounds: [],
    warnings: [],
    refused: [],
    dryRun: false,
    stopReason: null,
    replyFiles: [],
    startedAt,
  };
}

/** Exit 1 when tests ran and anything failed, errored, or nothing was collected. */
export function testsFailed(tests: TestReport | null): boolean {
  if (!tests || !tests.ran) return false;
  return tests.failed > 0 || tests.errors > 0 || Boolean(tests.problem) || Boolean(tests.hiddenProblem);
}

/** Every case counted by who wrote it (a case without an origin is the model's). */
export function summaryByOrigin(cases: readonly TestCase[]): Record<TestOrigin, OriginSummary> {
  const out = Object.fromEntries(TEST_ORIGINS.map((o) => [o, { passed: 0, failed: 0, errors: 0, skipped: 0, total: 0 }])) as Record<TestOrigin, OriginSummary>;
  for (const c of cases) {
    const s = out[c.origin ?? 'generated'];
    s.total++;
    if (c.status === 'passed') s.passed++;
    else if (c.status === 'failed') s.failed++;
    else if (c.status === 'error') s.errors++;
    else s.skipped++;
  }
  return out;
}

/** The run's problem for the user: the hidden tests' own, marked as theirs, after the others'. */
function problemOf(tests: TestReport): string | null {
  const parts = [tests.problem ?? null, tests.hiddenProblem ? `hidden tests: ${tests.hiddenProblem}` : null].filter(Boolean);
  return parts.length > 0 ? parts.join('\n') : null;
}

export function contractTests(tests: TestReport | null): Result['tests'] {
  if (!tests) return null;
  return {
    ran: tests.ran,
    sandbox: tests.sandbox,
    passed: tests.passed,
    failed: tests.failed,
    errors: tests.errors,
    skipped: tests.skipped,
    durationMs: Math.round(tests.durationMs),
    cases: tests.cases.map((c) => ({ ...c, durationMs: Math.round(c.durationMs), origin: c.origin ?? 'generated' })),
    problem: problemOf(tests),
    install: tests.install ?? null,
    byOrigin: summaryByOrigin(tests.cases),
  };
}

/** "2 test(s) failed", or, when the user's tests are what failed, "3 of your 5 acceptance tests failed". */
export function failureMessage(tests: Pick<TestReport, 'cases' | 'failed' | 'errors'>): string {
  const by = summaryByOrigin(tests.cases);
  const parts: string[] = [];
  for (const origin of ['acceptance', 'hidden'] as const) {
    const s = by[origin];
    if (s.failed + s.errors > 0) parts.push(`${s.failed + s.errors} of your ${s.total} ${origin} test${s.total === 1 ? '' : 's'} failed`);
  }
  const own = by.generated;
  if (parts.length === 0) return `${tests.failed + tests.errors} test(s) failed`;
  if (own.total > 0 && own.failed + own.errors === 0) return `the model's own tests passed; ${parts.join('; ')}`;
  if (own.failed + own.errors > 0) parts.unshift(`${own.failed + own.errors} of the model's ${own.total} tests failed`);
  return parts.join('; ');
}

const UNTRUSTED_HINT =
  'the code under test interfered with the test run (its report, hooks or exit status); ptc never counts such a run as a pass';

export function finishResult(draft: ResultDraft, error: PtcError | null, now = Date.now()): Result {
  const exitCode = error ? error.exitCode : testsFailed(draft.tests) ? ExitCode.testsFailed : ExitCode.ok;
  const result: Result = {
    schemaVersion: 1,
    ok: exitCode === 0,
    exitCode,
    command: draft.command,
    provider: draft.provider,
    model: draft.model,
    outDir: draft.outDir,
    files: draft.files,
    usage: draft.usage,
    cost: draft.cost,
    tests: contractTests(draft.tests),
    rounds: draft.rounds,
    error: error
      ? { code: error.code, message: error.message, hint: error.hint, retryable: error.retryable }
      : exitCode === ExitCode.testsFailed
        ? {
            code: draft.tests?.untrusted ? TestFailureCode.untrusted : TestFailureCode.failed,
            message: (draft.tests ? problemOf(draft.tests) : null) ?? failureMessage(draft.tests!),
            hint: draft.stopReason ?? (draft.tests?.untrusted ? UNTRUSTED_HINT : null),
            retryable: false,
          }
        : null,
    durationMs: Math.max(0, now - draft.startedAt),
    warnings: draft.warnings,
    stopReason: draft.stopReason,
  };
  if (draft.replyFiles.length > 0) {
    result.replyFiles = [...draft.replyFiles];
    if (result.error && error) result.error.replyFile = draft.replyFiles.at(-1);
  }
  if (draft.dryRun) result.dryRun = true;
  if (draft.refused.length > 0) result.refused = draft.refused;
  if (draft.candidates) result.candidates = draft.candidates;
  return result;
}
