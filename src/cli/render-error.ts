import { type PtcError, REPORT_BUG_HINT } from '../errors.js';
import type { IO } from '../ui/io.js';

/** One line for the error, one for the hint; the stack only for bugs and only under --verbose. */
export function renderError(io: IO, error: PtcError, json: boolean): void {
  if (json) {
    io.print(
      JSON.stringify({
        schemaVersion: 1,
        ok: false,
        exitCode: error.exitCode,
        error: { code: error.code, message: error.message, hint: error.hint, retryable: error.retryable },
      }),
    );
  }
  const message = error.message.split('\n')[0];
  io.note(`${io.err.red('ptc:')} ${message}`);
  if (error.hint) io.note(`${io.err.dim('hint:')} ${error.hint}`);
  if (error.hint === REPORT_BUG_HINT && io.verbose) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.stack) io.note(io.err.dim(cause.stack));
  }
}
