/**
 * Errors that say the batch itself is set up wrong, not that one task went badly: every other task would hit
 * the same wall (and pay for it, or be recorded as done). The batch stops at the first one, with its exit code
 * (2: missing key or configuration, 3: the provider refused the key or does not know the model, 4: no usable
 * sandbox), and never records the task as finished, so a rerun after the fix runs it.
 */
const SETUP_FAILURE_CODES = new Set([
  'missing_key',
  'config_missing_key',
  'config_invalid',
  'config_base_url',
  'provider_auth',
  'provider_model_not_found',
  'out_not_writable',
  'sandbox_no_isolation',
  'sandbox_runner_missing',
]);

export function isSetupFailure(error: { code: string } | null | undefined): boolean {
  return error ? SETUP_FAILURE_CODES.has(error.code) : false;
}

/** The code of a task that never started because the batch stopped at a set-up failure. */
export const BATCH_STOPPED = 'batch_stopped';
