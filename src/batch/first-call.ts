import { PtcError, UsageError } from '../errors.js';
import { untilAborted } from '../util/abortable.js';
import { BATCH_STOPPED, isSetupFailure } from './setup-failure.js';

/** A place at the batch's model-call gate; the release says how the call ended (an error, or nothing). */
export interface CallGateLike {
  acquire(signal: AbortSignal): Promise<(error?: unknown) => void>;
  backoff(waitMs: number): void;
}

/**
 * Lets one model call of each kind (provider, model, endpoint) go first and holds the batch's other calls of
 * that kind until it has answered: a bad key or an unknown model then costs one request, not one per task in
 * flight. When the first call fails with a set-up error the latch closes for good and every held call fails
 * with `batch_stopped`; any other failure lets the next call try.
 */
export class FirstCallLatch {
  private readonly proven = new Set<string>();
  private readonly probes = new Map<string, Promise<void>>();
  private stoppedBy: PtcError | null = null;

  get stopped(): PtcError | null {
    return this.stoppedBy;
  }

  /** Stops every call not yet made (the batch hit a set-up failure elsewhere). */
  stop(error: PtcError): void {
    this.stoppedBy ??= error;
  }

  /** The gate a task of this kind uses: the batch's shared gate behind this latch. */
  gateFor(kind: string, inner: CallGateLike): CallGateLike {
    return {
      backoff: (waitMs) => inner.backoff(waitMs),
      acquire: async (signal) => {
        for (;;) {
          if (this.stoppedBy) throw stoppedError(this.stoppedBy);
          if (this.proven.has(kind)) return inner.acquire(signal);
          const probe = this.probes.get(kind);
          if (probe) {
            await untilAborted(probe, signal);
            continue;
          }
          let done!: () => void;
          this.probes.set(kind, new Promise<void>((r) => (done = r)));
          const settle = (error?: unknown) => {
            if (error === undefined) this.proven.add(kind);
            else if (error instanceof PtcError && isSetupFailure(error)) this.stop(error);
            this.probes.delete(kind);
            done();
          };
          let release: (error?: unknown) => void;
          try {
            release = await inner.acquire(signal);
          } catch (err) {
            settle(err ?? new Error('aborted'));
            throw err;
          }
          return (error?: unknown) => {
            release(error);
            settle(error);
          };
        }
      },
    };
  }
}

function stoppedError(cause: PtcError): UsageError {
  return new UsageError(`not started: the batch stopped at a set-up failure (${cause.code})`, { code: BATCH_STOPPED, cause });
}
