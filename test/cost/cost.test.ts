import { describe, expect, it } from 'vitest';
import { findModel, loadCatalog } from '../../src/cost/catalog.js';
import { computeCost, worstCaseCostUsd } from '../../src/cost/cost.js';
import { formatUsd } from '../../src/cost/money.js';

const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
});

describe('computeCost', () => {
  const sonnet = findModel(loadCatalog(), 'anthropic', 'claude-sonnet-4-6')!;

  it('prefers the cost the provider billed', () => {
    expect(computeCost(usage(1000, 1000), sonnet, 0.95)).toEqual({ usd: 0.95, source: 'provider' });
    expect(computeCost(usage(1000, 1000), null, 0)).toEqual({ usd: 0, source: 'provider' });
  });

  it('prices all four token kinds from the catalog (Anthropic cache fields matter)', () => {
    // 12 in × $3 + 30 out × $15 + 1000 cache reads × $0.30 + 200 cache writes × $3.75, per 1M
    const cost = computeCost(usage(12, 30, 1000, 200), sonnet, null);
    expect(cost.source).toBe('catalog');
    expect(cost.usd).toBeCloseTo((12 * 3 + 30 * 15 + 1000 * 0.3 + 200 * 3.75) / 1e6, 12);
    // Ignoring cache tokens would under-report this call by more than half.
    expect(cost.usd!).toBeGreaterThan(2 * ((12 * 3 + 30 * 15) / 1e6));
  });

  it('is unknown, never invented, without a price or a provider figure', () => {
    expect(computeCost(usage(1000, 1000), null, null)).toEqual({ usd: null, source: 'unknown' });
  });

  it('charges cache tokens at the input price when the cache prices are missing', () => {
    expect(computeCost(usage(0, 0, 1_000_000, 1_000_000), { input: 2, output: 4 }, null).usd).toBe(4);
  });
});

describe('worstCaseCostUsd', () => {
  it('bounds a call by its input estimate and every allowed output token', () => {
    expect(worstCaseCostUsd({ input: 3, output: 15 }, 1000, 8192)).toBeCloseTo((1000 * 3 + 8192 * 15) / 1e6, 12);
    expect(worstCaseCostUsd(null, 1000, 8192)).toBeNull();
  });
});

describe('formatUsd', () => {
  it('shows small amounts with enough digits and says unknown for null', () => {
    expect(formatUsd(null)).toBe('unknown');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.00004)).toBe('<$0.0001');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0.123)).toBe('$0.123');
    expect(formatUsd(12.5)).toBe('$12.50');
  });

  it('keeps four decimals below a dollar, so a cent and a half is not shown as a cent', () => {
    expect(formatUsd(0.0123)).toBe('$0.0123');
    expect(formatUsd(0.0149)).toBe('$0.0149');
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.99999)).toBe('$1.00');
    expect(formatUsd(1)).toBe('$1.00');
    expect(formatUsd(1.005)).toMatch(/^\$1\.0[01]$/);
    expect(formatUsd(0.0375, { sign: false })).toBe('0.0375');
    expect(formatUsd(3, { sign: false })).toBe('3.00');
  });
});
