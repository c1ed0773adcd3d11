import type { Cost, Usage } from '../types.js';

/**
 * One LLM call, as the spend history keeps it. This is also the shape of the `onCall` hook a front end
 * passes to the pipeline: it is called once after every call to a model, whatever the outcome.
 */
export interface CallRecord {
  /** Epoch ms when the call started. */
  at: number;
  /** What ptc was doing: generate, batch, mcp, serve. */
  command: string;
  provider: string;
  model: string;
  /** null when the call failed before the provider reported any usage. */
  usage: Usage | null;
  cost: Cost | null;
  durationMs: number;
  outcome: 'ok' | 'error';
  /** The PtcError code when the call failed (rate_limited, provider_auth …). */
  errorCode?: string | null;
  /** 0 for the first call of a task, n for repair round n. */
  round?: number;
  /** Batch task id, when the call belonged to a batch. */
  task?: string | null;
  /** The messages sent, only when `history.prompts` is on (secrets scrubbed before it is stored). */
  prompt?: string | null;
}
