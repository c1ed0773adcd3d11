import type { LlmGate, WorkGate } from './hooks.js';
import type { CallGate, Release, Semaphore } from './limiter.js';

/**
 * One task's places in the batch's shared gates. A task may take a place up front (while the pipeline
 * cannot take it itself); when the pipeline then asks for a place of that kind, it is handed the one the
 * task holds instead of queueing behind itself. Whatever is still held when the task ends is given back.
 */
class HeldPlace {
  private held: Release | null = null;

  constructor(private readonly shared: Semaphore) {}

  async hold(signal: AbortSignal): Promise<void> {
    if (!this.held) this.held = await this.shared.acquire(signal);
  }

  /** The pipeline's acquire: the held place if there is one, else a new one. */
  async acquire(signal: AbortSignal): Promise<Release> {
    const held = this.held;
    if (held) {
      this.held = null;
      return held;
    }
    return this.shared.acquire(signal);
  }

  releaseHeld(): void {
    const held = this.held;
    this.held = null;
    held?.();
  }
}

export class TaskSlots {
  readonly llm: HeldPlace;
  readonly sandbox: HeldPlace;

  constructor(
    private readonly llmGate: CallGate,
    sandboxGate: Semaphore,
  ) {
    this.llm = new HeldPlace(llmGate);
    this.sandbox = new HeldPlace(sandboxGate);
  }

  /** The gates as the pipeline sees them through the execute context. */
  get gate(): LlmGate {
    return { acquire: (s) => this.llm.acquire(s), backoff: (ms) => this.llmGate.backoff(ms) };
  }

  get sandboxGate(): WorkGate {
    return { acquire: (s) => this.sandbox.acquire(s) };
  }

  releaseAll(): void {
    this.llm.releaseHeld();
    this.sandbox.releaseHeld();
  }
}
