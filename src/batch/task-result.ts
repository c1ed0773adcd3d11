import { ExitCode } from '../errors.js';
import { finishResult, newDraft } from '../report/build.js';
import type { Result } from '../report/result-schema.js';
import { isSetupFailure } from './setup-failure.js';

/**
 * passed: ok (tests passed, or code written when tests do not run); failed: tests ran and failed, or the
 * task's own budget stopped it; error: the task could not be done (provider, sandbox, reply, config);
 * skipped: never started (the batch budget was spent); interrupted: stopped or never started because of a signal.
 */
export type TaskStatus = 'passed' | 'failed' | 'error' | 'skipped' | 'interrupted';

/** One task in the batch report: the contract's Result plus the task's id and status. */
export type TaskResult = Result & { id: string; status: TaskStatus; resumed?: boolean };

export function statusOf(result: Result): TaskStatus {
  if (result.ok) return 'passed';
  if (result.exitCode === ExitCode.testsFailed) return 'failed';
  if (result.exitCode === ExitCode.sigint || result.exitCode === ExitCode.sigterm) return 'interrupted';
  return 'error';
}

/**
 * Whether a rerun should take the task as done. A retryable error (rate limit after retries, network,
 * timeout) is worth another go, so it is not recorded as finished.
 */
export function isFinal(task: TaskResult): boolean {
  if (task.status === 'passed' || task.status === 'failed') return true;
  // A set-up failure (no key, a refused key, an unknown model) says nothing about the task: fixed, it runs.
  return task.status === 'error' && !task.error?.retryable && !isSetupFailure(task.error);
}

/**
 * Whether an earlier run's result stands for this run: it was final, and with `--retry-failed` it was not an
 * error (a test failure stands; rerunning the same prompt would only pay to fail again).
 */
export function keepsEarlier(task: TaskResult, o: { retryFailed?: boolean }): boolean {
  if (!isFinal(task)) return false;
  return !(o.retryFailed && task.status === 'error');
}

/** The result of a task that never started. */
export function notStarted(id: string, status: 'skipped' | 'interrupted', message: string, hint: string | null, code?: string): TaskResult {
  const result = finishResult(newDraft('generate'), null);
  return {
    ...result,
    ok: false,
    exitCode: status === 'skipped' ? ExitCode.testsFailed : ExitCode.sigint,
    error: { code: code ?? (status === 'skipped' ? 'batch_budget_spent' : 'interrupted'), message, hint, retryable: true },
    durationMs: 0,
    id,
    status,
  };
}
