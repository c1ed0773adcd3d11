import type { Cost } from '../types.js';

/** Two costs added: unknown if either is, and labelled `catalog` once sources mix. */
export function sumCost(a: Cost | null, b: Cost): Cost {
  if (!a) return b;
  if (a.usd === null || b.usd === null) return { usd: null, source: 'unknown' };
  return { usd: a.usd + b.usd, source: a.source === b.source ? a.source : 'catalog' };
}
