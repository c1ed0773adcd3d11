import { ExitCode, TestFailureCode, type PtcError } from '../errors.js';
import type { Cost, TestReport, Usage } from '../types.js';
import type { CandidateEntry, FileEntry, Result, Round } from './result-schema.js';

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
  return tests.failed > 0 || tests.errors > 0 || Boolean(tests.problem);
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
    cases: tests.cases.map((c) => ({ ...c, durationMs: Math.round(c.durationMs) })),
    problem: tests.problem ?? null,
    install: tests.install ?? null,
  };
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
            message: draft.tests?.problem ?? `${draft.tests!.failed + draft.tests!.errors} test(s) failed`,
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
