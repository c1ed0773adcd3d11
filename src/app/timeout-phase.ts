import { PtcError, SandboxError } from '../errors.js';

/** The phases (as the pipeline names them) in which the sandbox, not the model, holds the clock. */
const SANDBOX_PHASES = new Set([
  'preparing local sandbox',
  'creating Daytona sandbox',
  'uploading files',
  'installing dependencies',
  'running tests',
]);

/**
 * `--timeout` fires one TimeoutError whatever is going on (exit 3, retryable: the provider's). When it fires
 * while the tests run, the time went to the code under test, and asking again would not help: the contract
 * makes that a sandbox error (exit 4, not retryable).
 */
export function timeoutInPhase(error: PtcError, phase: string | null): PtcError {
  if (error.code !== 'timeout' || phase === null || !SANDBOX_PHASES.has(phase)) return error;
  return new SandboxError(`${error.message} while ${phase === 'running tests' ? 'the tests ran' : `${phase}`}`, {
    code: 'sandbox_timeout',
    hint: 'the tests took too long: look for an endless loop or a slow test, or raise --timeout',
    retryable: false,
    cause: error,
  });
}
