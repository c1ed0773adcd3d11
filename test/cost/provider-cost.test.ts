import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findModel, loadCatalog } from '../../src/cost/catalog.js';
import { computeCost } from '../../src/cost/cost.js';
import { createProvider } from '../../src/providers/index.js';
import { startAnthropicFake, type AnthropicFake } from '../fakes/anthropic-server.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-server.js';

const KEY = 'sk-test-canary-cost-0001';
const prompt = [{ role: 'user' as const, content: 'hello' }];
let anthropic: AnthropicFake;
let openai: OpenAIFake;
beforeAll(async () => {
  anthropic = await startAnthropicFake();
  openai = await startOpenAIFake();
});
afterAll(async () => {
  await anthropic.close();
  await openai.close();
});

// Every reply queued for a test was asked for, and nothing was asked that was not queued.
afterEach(() => {
  anthropic.verify();
  openai.verify();
});

describe('cost of a real call through the adapters', () => {
  it('Anthropic: cache reads and writes are priced, not dropped', async () => {
    anthropic.enqueue({ text: 'x', usage: { input: 100, output: 50, cacheRead: 10_000, cacheWrite: 2_000 } });
    const p = await createProvider({ id: 'anthropic', model: 'claude-sonnet-4-6', apiKey: KEY, apiKeySource: 'ANTHROPIC_API_KEY', baseURL: anthropic.url });
    const reply = await p.generate(prompt);
    const cost = computeCost(reply.usage, findModel(loadCatalog(), p.id, p.model), reply.costUsd);
    expect(cost.source).toBe('catalog');
    expect(cost.usd).toBeCloseTo((100 * 3 + 50 * 15 + 10_000 * 0.3 + 2_000 * 3.75) / 1e6, 12);
  });

  it('OpenRouter: the billed cost wins over the catalog', async () => {
    openai.enqueue({ text: 'x', usageShape: 'openrouter-with-cost', usage: { prompt: 1000, completion: 10, cost: 0.0123 } });
    const p = await createProvider({ id: 'openrouter', model: 'moonshotai/kimi-k2', apiKey: KEY, apiKeySource: 'OPENROUTER_API_KEY', baseURL: openai.url });
    const reply = await p.generate(prompt);
    expect(computeCost(reply.usage, findModel(loadCatalog(), p.id, p.model), reply.costUsd)).toEqual({ usd: 0.0123, source: 'provider' });
  });

  it('Kimi: cached prompt tokens are priced at the cache-hit rate', async () => {
    openai.enqueue({ text: 'x', usageShape: 'kimi-top-level-cached', usage: { prompt: 1_000_000, completion: 0, cached: 400_000 } });
    const p = await createProvider({ id: 'kimi', model: 'kimi-k2.5', apiKey: KEY, apiKeySource: 'MOONSHOT_API_KEY', baseURL: openai.url });
    const reply = await p.generate(prompt);
    const cost = computeCost(reply.usage, findModel(loadCatalog(), p.id, p.model), reply.costUsd);
    expect(cost.usd).toBeCloseTo(0.6 * 0.6 + 0.4 * 0.1, 10);
  });
});
