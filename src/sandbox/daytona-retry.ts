/**
 * Calls to Daytona's control plane that a rate limit may refuse (create, delete). The SDK does not retry a
 * 429; Daytona's throttlers say how long to wait (`Retry-After-<throttler>`), so ptc waits that long, up to
 * RETRY_AFTER_CAP_MS, and tries again. A longer wait, or too many refusals, ends with the 429 itself, whose
 * mapped error tells the user how long Daytona asked them to wait.
 */
import { silentLogger, type Logger } from '../types.js';
import { sleep } from '../util/sleep.js';
import { rateLimitWaitMs } from './daytona-errors.js';

export interface RateLimitRetryOptions {
  /** Tries after the first one. Default 2. */
  retries?: number;
  /** Wait when a 429 names none. Default 2 s. */
  fallbackMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** What is being tried, for the log line. */
  what: string;
}

export async function withRateLimitRetry<T>(call: () => Promise<T>, opts: RateLimitRetryOptions): Promise<T> {
  const logger = opts.logger ?? silentLogger;
  const retries = opts.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = attempt < retries ? rateLimitWaitMs(err, opts.fallbackMs ?? 2_000) : null;
      if (wait === null || opts.signal?.aborted) throw err;
      logger.progress(`Daytona rate limit: waiting ${Math.ceil(wait / 1000)}s before trying to ${opts.what} again`);
      await sleep(wait, opts.signal);
    }
  }
}
