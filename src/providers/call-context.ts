import type { ChatMessage, GenerateOptions, Logger, StopReason } from '../types.js';
import { silentLogger } from '../types.js';
import type { CallContext, Failure } from './failure.js';
import type { ProviderProfile } from './profiles.js';
import type { RetryPolicy } from './retry.js';
import { estimateTokens } from './openai-usage.js';

/** Settings after defaults are applied: what an adapter works from. */
export interface AdapterSettings {
  profile: ProviderProfile;
  model: string;
  apiKey: string | null;
  apiKeySource: string | null;
  baseURL: string;
  headers: Record<string, string>;
  maxRetries: number;
  maxRetryWaitMs: number;
  deadline?: number;
  logger: Logger;
  /** Which temperatures the model takes, from the catalog; undefined for a model the catalog does not know. */
  temperature?: boolean | number;
}

/** SDKs wait this long for response headers by default; ptc never waits longer, nor past the deadline. */
export const SDK_TIMEOUT_MS = 600_000;

export function callContext(s: AdapterSettings): CallContext {
  return { profile: s.profile, model: s.model, baseURL: s.baseURL, apiKey: s.apiKey, apiKeySource: s.apiKeySource };
}

export function retryPolicy(s: AdapterSettings, opts: GenerateOptions): RetryPolicy {
  return {
    maxRetries: s.maxRetries,
    maxRetryWaitMs: s.maxRetryWaitMs,
    deadline: s.deadline,
    signal: opts.signal,
    logger: s.logger ?? silentLogger,
    onRetry: opts.onRetry,
  };
}

export function requestTimeoutMs(timeLeftMs: number | undefined): number {
  return Math.max(1, Math.min(SDK_TIMEOUT_MS, timeLeftMs ?? SDK_TIMEOUT_MS));
}

/** Thrown inside an attempt once the reply has started, so the failure is not mistaken for a refused request. */
export class StreamFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'StreamFailure';
  }
}

/** A stream that ended without the model saying it finished was cut, not completed. */
export function cutStream(): StreamFailure {
  return new StreamFailure({
    kind: 'stream',
    status: null,
    headers: null,
    type: null,
    code: null,
    message: 'the connection closed before the reply finished',
  });
}

/** An exception raised while reading a reply body: an error event the SDK turned into an exception, or a dropped body. */
export function streamFailureOf(err: unknown): StreamFailure {
  if (err instanceof StreamFailure) return err;
  const e = err as { error?: { type?: unknown; code?: unknown; message?: unknown; error?: { type?: unknown; message?: unknown } }; type?: unknown; message?: unknown };
  const inner = e?.error?.error ?? e?.error;
  const type = typeof e?.type === 'string' ? e.type : typeof inner?.type === 'string' ? inner.type : null;
  const code = inner && 'code' in inner && inner.code != null ? String(inner.code) : null;
  const message =
    typeof inner?.message === 'string'
      ? inner.message
      : err instanceof TypeError
        ? 'the connection closed before the reply finished'
        : typeof e?.message === 'string'
          ? e.message
          : 'unknown stream error';
  return new StreamFailure({ kind: 'stream', status: null, headers: null, type, code, message });
}

/** When the server reports no usage at all, estimate it and say so, rather than report zero. */
export function estimatedUsage(messages: ChatMessage[], text: string, logger: Logger, label: string) {
  logger.warn(`${label} reported no token usage; token counts are estimates`);
  return {
    inputTokens: estimateTokens(messages.map((m) => m.content).join('\n')),
    outputTokens: estimateTokens(text),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
}

export function stopReasonOf(reason: string | null | undefined): StopReason {
  if (reason === 'stop' || reason === 'end_turn' || reason === 'stop_sequence') return 'stop';
  if (reason === 'length' || reason === 'max_tokens' || reason === 'model_context_window_exceeded') return 'length';
  return 'other';
}

/** System error code (ECONNREFUSED, ENOTFOUND …) buried in a fetch failure's cause chain. */
export function systemErrorCode(err: unknown): string | null {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}
