import type { Cost, Usage } from '../types.js';
import type { ModelPrice } from './catalog.js';

export type { ModelPrice } from './catalog.js';
export { modelsView } from './models-view.js';

const PER = 1_000_000;

/** Drops float noise (0.1 + 0.2) while keeping far more precision than any bill shows. */
const tidy = (usd: number) => Math.round(usd * 1e10) / 1e10;

/**
 * What a call cost: the provider's own billed figure when it reports one, else catalog price × all four
 * token kinds, else unknown. Never an invented number.
 */
export function computeCost(usage: Usage, price: ModelPrice | null, providerReportedUsd: number | null): Cost {
  if (typeof providerReportedUsd === 'number' && Number.isFinite(providerReportedUsd)) {
    return { usd: providerReportedUsd, source: 'provider' };
  }
  if (!price) return { usd: null, source: 'unknown' };
  const usd =
    (usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      usage.cacheReadTokens * (price.cacheRead ?? price.input) +
      usage.cacheWriteTokens * (price.cacheWrite ?? price.input)) /
    PER;
  return { usd: tidy(usd), source: 'catalog' };
}

/**
 * The most the next call can cost (all input at the dearer of the full and the cache-write price, every allowed
 * output token): for --max-cost.
 */
export function worstCaseCostUsd(price: ModelPrice | null, inputTokensEstimate: number, maxTokens: number): number | null {
  if (!price) return null;
  const input = Math.max(price.input, price.cacheWrite ?? 0);
  return tidy((inputTokensEstimate * input + maxTokens * price.output) / PER);
}
