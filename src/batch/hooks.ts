import type { ExecuteContext } from '../app/execute.js';
import type { CallRecord } from '../history/call-record.js';
import type { Release } from './limiter.js';

/** A shared limit the pipeline takes a place in around work of one kind (LLM calls, sandboxes). */
export interface WorkGate {
  acquire(signal: AbortSignal): Promise<Release>;
}

/** The LLM gate also hears about server-requested waits (429, 529), so one 429 slows the whole batch. */
export interface LlmGate extends WorkGate {
  backoff(waitMs: number): void;
}

/**
 * What the batch passes to `executeRequest` beyond today's ExecuteContext. The pipeline honours these
 * once the hooks land (see the batch README section); until then the batch enforces what it can from
 * outside: it holds a task's LLM place from the start until the sandbox phase, holds a sandbox place for
 * the task's whole run, and derives call records from the task's result.
 */
export interface BatchExecuteContext extends ExecuteContext {
  /** Called once after every LLM call, whatever the outcome. */
  onCall?: (record: CallRecord) => void;
  /** Taken around each LLM call; told about the waits the server asks for. */
  gate?: LlmGate;
  /** Taken from sandbox creation until it is disposed. */
  sandboxGate?: WorkGate;
}
