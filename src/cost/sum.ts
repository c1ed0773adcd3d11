import type { Cost } from '../types.js';

/** Drops float noise (0.1 + 0.2) while keeping far more precision than any bill shows. */
const tidy = (usd: number) => Math.round(usd * 1e10) / 1e10;

/** How sure a figure is: a sum is only as sure as its least certain part. */
const CERTAINTY: Record<Cost['source'], number> = { unknown: 0, catalog: 1, provider: 2 };

export function leastCertain(a: Cost['source'], b: Cost['source']): Cost['source'] {
  return CERTAINTY[a] <= CERTAINTY[b] ? a : b;
}

/**
 * Two costs added: labelled by the less certain source (billed + estimated is an estimate), and unknown,
 * with no dollar figure, as soon as one part is unpriced (a partial sum would pass for the whole spend).
 */
export function sumCost(a: Cost | null, b: Cost): Cost {
  if (!a) return b;
  if (a.usd === null || b.usd === null) return { usd: null, source: 'unknown' };
  return { usd: tidy(a.usd + b.usd), source: leastCertain(a.source, b.source) };
}
