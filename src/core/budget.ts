/**
 * The --max-cost check made before each model call: the worst case of the next call (the prompt's size,
 * estimated on the high side, plus the full output cap) added to what was spent must stay within the budget.
 */
import { worstCaseCostUsd } from '../cost/cost.js';
import type { ResultDraft } from '../report/build.js';
import type { ChatMessage, Provider, Usage } from '../types.js';
import type { PriceLike } from './pipeline-types.js';
import { formatUsd } from '../cost/money.js';

/**
 * The output cap under --max-cost when --max-tokens is not set: the budget assumes it and the call is sent
 * with it. (The Anthropic adapter sends the same cap on every call; OpenAI-compatible calls otherwise send none.)
 */
export const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

/** Tokens in a text, on the high side (about 3 characters a token; English prose runs nearer 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

/**
 * Why the next call may not be made, or null when it fits. `floorTokens` is a lower bound on the prompt's
 * size known from earlier calls.
 */
export function overBudget(
  b: { provider: Provider; price: PriceLike | null; messages: ChatMessage[]; maxCost: number; maxTokens: number | null; spent: number; floorTokens: number; calls?: number },
): string | null {
  const { usd: one, inputTokens, outputTokens } = worstCall(b);
  if (one === null) return `--max-cost: the price of ${b.provider.model} is unknown, so the cost of the next call cannot be bounded`;
  // --candidates k sends k calls at once: all k worst cases must fit.
  const calls = b.calls ?? 1;
  const worst = one * calls;
  if (b.spent + worst <= b.maxCost) return null;
  const what = calls > 1 ? `the next ${calls} calls (--candidates) could cost up to ${formatUsd(worst)} together (each about` : `the next call could cost up to ${formatUsd(worst)} (about`;
  return `--max-cost $${b.maxCost}: spent ${formatUsd(b.spent)} so far, and ${what} ${inputTokens} input tokens + ${outputTokens} output tokens)`;
}

/** The most the next call can cost (null: the price is unknown), and the token counts that bound assumes. */
export function worstCall(b: { price: PriceLike | null; messages: ChatMessage[]; maxTokens: number | null; floorTokens: number }) {
  const inputTokens = Math.max(b.floorTokens, estimateTokens(b.messages.map((m) => m.content).join('\n')));
  const outputTokens = b.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  return { usd: worstCaseCostUsd(b.price, inputTokens, outputTokens), inputTokens, outputTokens };
}

/** The usage of the last round that called the model. */
export function lastCall(draft: ResultDraft): Usage | null {
  for (let i = draft.rounds.length - 1; i >= 0; i--) {
    const usage = draft.rounds[i]!.usage;
    if (usage) return usage;
  }
  return null;
}

/** Every token of a call's prompt, cached or not. */
export function promptTokens(u: Usage): number {
  return u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}
