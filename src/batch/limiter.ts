import { abortReason } from '../errors.js';

export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  fail: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A limit on work in flight, shared by every task of a batch. The limit can move (see CallGate) and the
 * whole gate can be paused: nobody new gets in until the pause ends. Waiters are served in arrival order.
 */
export class Semaphore {
  protected inFlight = 0;
  private readonly queue: Waiter[] = [];
  private pausedUntil = 0;
  private wakeTimer: NodeJS.Timeout | null = null;

  constructor(protected limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
  }

  get active(): number {
    return this.inFlight;
  }

  get waiting(): number {
    return this.queue.length;
  }

  acquire(signal?: AbortSignal): Promise<Release> {
    const aborted = abortReason(signal);
    if (aborted) return Promise.reject(aborted);
    return new Promise<Release>((grant, fail) => {
      const waiter: Waiter = { grant, fail, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          fail(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Nobody new starts before `until` (epoch ms); what is in flight goes on. */
  protected pauseUntil(until: number): void {
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.pump();
    }, Math.max(0, until - Date.now()));
    this.wakeTimer.unref();
  }

  protected released(): void {}

  protected pump(): void {
    if (Date.now() < this.pausedUntil) {
      // A timer may fire a millisecond before Date.now() reaches the pause's end: wake again, or the queue
      // would wait for ever.
      if (!this.wakeTimer) {
        this.wakeTimer = setTimeout(() => {
          this.wakeTimer = null;
          this.pump();
        }, Math.max(1, this.pausedUntil - Date.now()));
        this.wakeTimer.unref();
      }
      return;
    }
    while (this.queue.length > 0 && this.inFlight < this.limit) {
      const waiter = this.queue.shift()!;
      if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      this.inFlight++;
      let done = false;
      waiter.grant(() => {
        if (done) return;
        done = true;
        this.inFlight--;
        this.released();
        this.pump();
      });
    }
  }
}

/**
 * The limit on LLM calls in flight across a batch. A 429 anywhere slows everyone: nobody starts a call
 * until the wait the server asked for has passed, and the limit is halved; each run of successful calls
 * as long as the limit raises it by one again, up to the configured maximum (additive increase,
 * multiplicative decrease, as TCP does).
 */
export class CallGate extends Semaphore {
  private readonly max: number;
  private cooldownUntil = 0;
  private successes = 0;
  /** Times the gate backed off (for progress and tests). */
  backoffs = 0;

  constructor(max: number) {
    super(max);
    this.max = max;
  }

  get currentLimit(): number {
    return this.limit;
  }

  /** A call was told to wait `waitMs` (429, 529): pause the batch's calls and lower the limit. */
  backoff(waitMs: number): void {
    const now = Date.now();
    this.pauseUntil(now + Math.max(0, waitMs));
    // One overload often answers several calls at once: lower the limit once per wait, not once per call.
    if (now >= this.cooldownUntil) {
      this.backoffs++;
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.successes = 0;
      this.cooldownUntil = now + Math.max(waitMs, 100);
    }
  }

  protected override released(): void {
    if (this.limit >= this.max) return;
    if (++this.successes >= this.limit) {
      this.limit++;
      this.successes = 0;
    }
  }
}
