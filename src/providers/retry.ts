import { abortReason, ProviderError, PtcError } from '../errors.js';
import type { Logger, RetryInfo } from '../types.js';
import { sleep } from '../util/sleep.js';
import { classify, type CallContext, type Failure } from './failure.js';

export interface RetryPolicy {
  maxRetries: number;
  maxRetryWaitMs: number;
  /** Epoch ms; no attempt or wait runs past it. */
  deadline?: number;
  signal?: AbortSignal;
  logger: Logger;
  onRetry?: (info: RetryInfo) => void;
}

/**
 * How long the server asked us to wait, if it said: `retry-after-ms`, then `retry-after` (seconds or an
 * HTTP date), then Kimi's "please try again after N seconds" in the message.
 */
export function serverWaitMs(f: Failure, now = Date.now()): number | null {
  const ms = Number.parseFloat(f.headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const ra = f.headers?.get('retry-after');
  if (ra) {
    const seconds = Number.parseFloat(ra);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(ra);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const said = /try again after (\d+(?:\.\d+)?) ?s/i.exec(f.message);
  if (said) return Number.parseFloat(said[1]!) * 1000;
  return null;
}

/** Exponential backoff with jitter, as the SDKs do: 0.5 s, 1 s, 2 s … up to 8 s. */
export function backoffMs(retryNumber: number): number {
  const base = Math.min(500 * 2 ** (retryNumber - 1), 8000);
  return base * (1 - Math.random() * 0.25);
}

function deadlineError(ctx: CallContext): ProviderError {
  return new ProviderError(`no complete reply from ${ctx.profile.label} before the --timeout deadline`, {
    code: 'timeout',
    hint: 'raise --timeout, or set "timeout" in your rc file',
    retryable: true,
  });
}

const DEADLINE = Symbol('deadline');

/**
 * Runs one provider call with ptc's own retry loop (the SDKs get `maxRetries: 0`), so every retry is
 * announced, every wait is capped, the deadline holds, and an abort ends everything at once.
 * `attempt` receives a signal that fires on the caller's abort or at the deadline, and the time left.
 * `describe` turns what the SDK threw into a Failure (or null when it is not a provider failure).
 */
export async function withRetries<T>(
  ctx: CallContext,
  policy: RetryPolicy,
  attempt: (signal: AbortSignal, timeLeftMs: number | undefined) => Promise<T>,
  describe: (err: unknown) => Failure | null,
): Promise<T> {
  const { signal, deadline, logger } = policy;
  const attempts = policy.maxRetries + 1;
  for (let n = 1; ; n++) {
    const early = abortReason(signal);
    if (early) throw early;
    const timeLeft = deadline === undefined ? undefined : deadline - Date.now();
    if (timeLeft !== undefined && timeLeft <= 0) throw deadlineError(ctx);

    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    const timer = timeLeft === undefined ? undefined : setTimeout(() => controller.abort(DEADLINE), timeLeft);
    try {
      return await attempt(controller.signal, timeLeft);
    } catch (err) {
      const aborted = abortReason(signal);
      if (aborted) throw aborted;
      if (controller.signal.reason === DEADLINE) throw deadlineError(ctx);
      if (err instanceof PtcError) throw err;
      const failure = describe(err);
      if (!failure) throw err;
      const verdict = classify(failure, ctx);
      if (!verdict.retry || n >= attempts) throw verdict.error;

      const asked = serverWaitMs(failure);
      const waitMs = Math.min(asked ?? backoffMs(n), policy.maxRetryWaitMs);
      if (deadline !== undefined && Date.now() + waitMs >= deadline) throw verdict.error;
      const capped = asked !== null && asked > policy.maxRetryWaitMs ? ' (capped)' : '';
      logger.warn(
        `${ctx.profile.label} ${verdict.reason}, retrying in ${(waitMs / 1000).toFixed(1)}s${capped} (attempt ${n + 1}/${attempts})`,
      );
      policy.onRetry?.({ attempt: n + 1, waitMs, reason: verdict.reason, status: failure.status });
      await sleep(waitMs, signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }
}
