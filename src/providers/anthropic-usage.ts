import type { Usage } from '../types.js';

/** Anthropic's usage fields; `input_tokens` already excludes cache reads and writes. */
export interface AnthropicWireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  /** Of output_tokens, those spent thinking (SDK 1.x). */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

/**
 * Folds a later usage report into an earlier one. `message_start` carries the input side; `message_delta`
 * carries cumulative output (and, on newer API versions, the input side again), so later non-null values win.
 */
export function mergeAnthropicUsage(into: Usage, u: AnthropicWireUsage | null | undefined): Usage {
  if (!u) return into;
  const merged: Usage = {
    inputTokens: n(u.input_tokens) ?? into.inputTokens,
    outputTokens: n(u.output_tokens) ?? into.outputTokens,
    cacheReadTokens: n(u.cache_read_input_tokens) ?? into.cacheReadTokens,
    cacheWriteTokens: n(u.cache_creation_input_tokens) ?? into.cacheWriteTokens,
  };
  // Zero is left out like "not said": a usage without thinking reads the same from every provider.
  const thinking = n(u.output_tokens_details?.thinking_tokens) || into.reasoningTokens;
  if (thinking) merged.reasoningTokens = thinking;
  return merged;
}
