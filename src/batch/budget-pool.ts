import { untilAborted } from '../util/abortable.js';

/** A place in the shared budget: the worst case of one call, until its real cost is known. */
export interface BudgetHold {
  /** The call's real cost replaces the reservation (null: unknown, the reservation stays spent). */
  settle(usd: number | null): void;
}

/**
 * A batch's --max-cost, shared by every task: each model call reserves its worst case (prompt estimate + full
 * output cap at the model's price) before it is sent, and the reservation becomes the call's real cost when it
 * ends. Spent plus reserved never passes the limit, so the batch never does, whatever the concurrency. A call
 * that does not fit waits while others' reservations are outstanding (they usually settle lower), and is refused
 * only when it cannot fit even then.
 */
export class BudgetPool {
  private spent = 0;
  private reserved = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly limitUsd: number) {}

  /** Real spend so far (settled calls). */
  get spentUsd(): number {
    return this.spent;
  }

  /** Spent plus what calls in flight may still cost. */
  get committedUsd(): number {
    return this.spent + this.reserved;
  }

  /** Spend the pool did not see (tasks finished in an earlier run). */
  addSpent(usd: number): void {
    this.spent += usd;
  }

  /** Whether a call costing `usd` at most could ever fit (nothing else outstanding). */
  couldFit(usd: number): boolean {
    return this.spent + usd <= this.limitUsd + 1e-12;
  }

  /** Reserves `worstUsd`, waiting for outstanding reservations when needed; null when it cannot fit. */
  async reserve(worstUsd: number, signal?: AbortSignal): Promise<BudgetHold | null> {
    for (;;) {
      if (!this.couldFit(worstUsd)) return null;
      if (this.spent + this.reserved + worstUsd <= this.limitUsd + 1e-12) {
        this.reserved += worstUsd;
        let settled = false;
        return {
          settle: (usd) => {
            if (settled) return;
            settled = true;
            this.reserved -= worstUsd;
            this.spent += usd === null ? worstUsd : usd;
            const woken = this.waiters;
            this.waiters = [];
            for (const wake of woken) wake();
          },
        };
      }
      await untilAborted(new Promise<void>((r) => this.waiters.push(r)), signal);
    }
  }
}
