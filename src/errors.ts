/**
 * One error base for everything ptc reports on purpose. Each kind maps to one exit code from the contract;
 * `retryable` is decided where the error is made, because only that place knows.
 */

export const ExitCode = {
  ok: 0,
  testsFailed: 1,
  usage: 2,
  provider: 3,
  sandbox: 4,
  reply: 5,
  internal: 70,
  sigint: 130,
  sigterm: 143,
} as const;

export interface PtcErrorOptions {
  hint?: string | null;
  retryable?: boolean;
  cause?: unknown;
}

export class PtcError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly hint: string | null;
  readonly retryable: boolean;

  constructor(code: string, exitCode: number, message: string, opts: PtcErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = opts.hint ?? null;
    this.retryable = opts.retryable ?? false;
  }
}

/** Bad flags, bad arguments, refused overwrite: the user can fix it by changing the command. Exit 2. */
export class UsageError extends PtcError {
  constructor(message: string, opts: PtcErrorOptions & { code?: string } = {}) {
    super(opts.code ?? 'usage', ExitCode.usage, message, opts);
  }
}

/** Invalid rc file, missing key, unknown provider: the user fixes their configuration. Exit 2. */
export class ConfigError extends PtcError {
  constructor(message: string, opts: PtcErrorOptions & { code?: string } = {}) {
    super(opts.code ?? 'config_invalid', ExitCode.usage, message, opts);
  }
}

/** Authentication, rate limit, quota, network, server, timeout. Exit 3. */
export class ProviderError extends PtcError {
  readonly status: number | null;
  constructor(
    message: string,
    opts: PtcErrorOptions & { code?: string; status?: number | null } = {},
  ) {
    super(opts.code ?? 'provider_error', ExitCode.provider, message, opts);
    this.status = opts.status ?? null;
  }
}

/** Could not create, upload, install or run in the sandbox. Exit 4. */
export class SandboxError extends PtcError {
  constructor(message: string, opts: PtcErrorOptions & { code?: string } = {}) {
    super(opts.code ?? 'sandbox_error', ExitCode.sandbox, message, opts);
  }
}

/** No code in the reply, reply cut off, every path unsafe. Exit 5. */
export class ReplyError extends PtcError {
  constructor(message: string, opts: PtcErrorOptions & { code?: string } = {}) {
    super(opts.code ?? 'reply_unusable', ExitCode.reply, message, opts);
  }
}

/**
 * The codes a run whose tests did not pass reports (exit 1): failures, or results that disagree with the runner's
 * exit status or with themselves — a run the code under test tried to turn into a pass (never reported as one).
 */
export const TestFailureCode = {
  failed: 'tests_failed',
  untrusted: 'test_results_untrusted',
} as const;

/** Tests ran and failed, or a budget stopped the repair loop. Exit 1. */
export class TestsFailedError extends PtcError {
  constructor(message: string, opts: PtcErrorOptions & { code?: string } = {}) {
    super(opts.code ?? TestFailureCode.failed, ExitCode.testsFailed, message, opts);
  }
}

/** The exit code of a command ended by a signal: the one place SIGINT → 130 and SIGTERM → 143 are decided. */
export function signalExitCode(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint;
}

/** SIGINT or SIGTERM (or an AbortSignal fired for either). Exit 130 / 143. */
export class InterruptedError extends PtcError {
  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super('interrupted', signalExitCode(signal), `interrupted by ${signal}`);
  }
}

/**
 * `--timeout` ran out. A provider-side timeout is a ProviderError; this bounds the whole command. It exits 3;
 * the sandbox turns a time limit reached while tests run into its own SandboxError (exit 4).
 */
export class TimeoutError extends PtcError {
  constructor(seconds: number) {
    super(
      'timeout',
      ExitCode.provider,
      `timed out after ${seconds}s (--timeout)`,
      { hint: 'raise --timeout, or set "timeout" in your rc file', retryable: true },
    );
  }
}

export const REPORT_BUG_HINT =
  'this is a bug in ptc: please report it with the output of `ptc --verbose ...` and `ptc doctor`';

export class InternalError extends PtcError {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('internal', ExitCode.internal, `internal error: ${detail}`, {
      hint: REPORT_BUG_HINT,
      cause,
    });
  }
}

/** Everything that leaves ptc goes through here: a PtcError as it is, an abort as an interruption, anything else as a bug. */
export function toPtcError(err: unknown): PtcError {
  if (err instanceof PtcError) return err;
  if (isAbortError(err)) {
    const reason = (err as { cause?: unknown }).cause;
    if (reason instanceof PtcError) return reason;
    return new InterruptedError();
  }
  return new InternalError(err);
}

export function isAbortError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const name = (err as { name?: unknown }).name;
  return name === 'AbortError' || name === 'APIUserAbortError';
}

/** The reason an AbortSignal was fired with, as a PtcError when ptc fired it (interrupt, timeout). */
export function abortReason(signal: AbortSignal | undefined): PtcError | null {
  if (!signal?.aborted) return null;
  const reason: unknown = signal.reason;
  return reason instanceof PtcError ? reason : new InterruptedError();
}
