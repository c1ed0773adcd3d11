/**
 * Node keeps a timer's delay in a signed 32-bit count of milliseconds: a longer one fires at once (with only
 * a warning), so `--timeout 3000000` would time out immediately. Every timeout ptc accepts stays in range.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** 2147483 s, about 24.8 days. */
export const MAX_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** For messages: what a timeout must be. */
export const TIMEOUT_RANGE = `a number of seconds > 0 and at most ${MAX_TIMEOUT_SECONDS} (about 24 days)`;
