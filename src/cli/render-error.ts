import { type PtcError, REPORT_BUG_HINT } from '../errors.js';
import { finishResult, newDraft } from '../report/build.js';
import type { Result } from '../report/result-schema.js';
import type { IO } from '../ui/io.js';

/**
 * One line for the error, one for the hint; the stack only for bugs and only under --verbose.
 * With --json, stdout still gets its one document: the full result for generate/apply/run.
 */
export function renderError(io: IO, error: PtcError, json: boolean, command: Result['command'] | null = null): void {
  if (json) io.print(JSON.stringify(errorDocument(error, command), null, 2));
  renderErrorLines(io, error);
}

/**
 * The stderr part alone, for a command that has printed its own result (generate/apply/run, whose error may
 * be a result's `tests_failed` with no exception behind it).
 */
export function renderErrorLines(io: IO, error: { message: string; hint: string | null; cause?: unknown }): void {
  const message = error.message.split('\n')[0];
  io.note(`${io.err.red('ptc:')} ${message}`);
  if (error.hint) io.note(`${io.err.dim('hint:')} ${error.hint}`);
  if (error.hint === REPORT_BUG_HINT && io.verbose) {
    const cause = error.cause;
    if (cause instanceof Error && cause.stack) io.note(io.err.dim(cause.stack));
  }
}

/** The --json document for a command that failed before it produced a result. */
export function errorDocument(error: PtcError, command: Result['command'] | null): unknown {
  if (command) return finishResult(newDraft(command), error);
  return {
    schemaVersion: 1,
    ok: false,
    exitCode: error.exitCode,
    error: { code: error.code, message: error.message, hint: error.hint, retryable: error.retryable },
  };
}
