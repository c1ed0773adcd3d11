import type { Usage } from '../types.js';

/** The usage object as OpenAI, Kimi and OpenRouter send it; every field optional because each sends a different subset. */
export interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  /** Kimi puts cache hits at the top level. */
  cached_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  /** Of completion_tokens, those spent reasoning (OpenAI, OpenRouter; Kimi where it reports them). */
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  /** OpenRouter: billed cost in USD credits. */
  cost?: number | null;
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * Normalises to ptc's Usage: `prompt_tokens` include cached and cache-written tokens, so both are
 * subtracted to leave what is billed at the full input price.
 */
export function normaliseOpenAIUsage(u: WireUsage): { usage: Usage; costUsd: number | null } {
  const prompt = n(u.prompt_tokens);
  const cacheRead = n(u.cached_tokens ?? u.prompt_tokens_details?.cached_tokens);
  const cacheWrite = n(u.prompt_tokens_details?.cache_write_tokens);
  const usage: Usage = {
    inputTokens: Math.max(0, prompt - cacheRead - cacheWrite),
    outputTokens: n(u.completion_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  // Zero is left out like "not said": a usage without thinking reads the same from every provider.
  if (typeof reasoning === 'number' && Number.isFinite(reasoning) && reasoning > 0) usage.reasoningTokens = Math.min(reasoning, usage.outputTokens);
  return {
    usage,
    costUsd: typeof u.cost === 'number' && Number.isFinite(u.cost) ? u.cost : null,
  };
}

/** Kimi's legacy streams put the final usage inside `choices[0]` of the last chunk. */
export function usageOfChunk(chunk: { usage?: unknown; choices?: Array<{ usage?: unknown }> }): WireUsage | null {
  const u = chunk.usage ?? chunk.choices?.[0]?.usage;
  return u && typeof u === 'object' ? (u as WireUsage) : null;
}

/** Rough token count for progress and for servers that report none: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
