import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapLiteLLM } from '../../src/cost/litellm.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/litellm/model_prices.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const URL_SHOWN = 'http://mirror.example/model_prices.json';

describe('mapping LiteLLM\'s price file', () => {
  const { models, skipped } = mapLiteLLM(fixture, URL_SHOWN);
  const find = (provider: string, id: string) => models.find((m) => m.provider === provider && m.id === id);

  it('keeps chat models of ptc\'s providers, under ptc\'s provider ids and without LiteLLM\'s key prefix', () => {
    expect(models.map((m) => `${m.provider}:${m.id}`).sort()).toEqual([
      'anthropic:claude-sonnet-5',
      'kimi:kimi-k2-0905-preview',
      'kimi:kimi-k2.6',
      'kimi:kimi-k3-preview',
      'openai:gpt-5.4-mini',
      'openrouter:moonshotai/kimi-k2.5',
    ]);
  });

  it('skips and counts an entry of ours whose fields do not fit; other providers and non-chat modes are not counted', () => {
    expect(find('kimi', 'kimi-broken')).toBeUndefined();
    expect(skipped).toBe(1);
  });

  it('turns per-token prices into clean per-1M prices; a missing cache price is the input price', () => {
    expect(find('kimi', 'kimi-k2.6')).toMatchObject({ input: 1.5, output: 6, cacheRead: 0.2, cacheWrite: 1.5, source: URL_SHOWN });
    expect(find('anthropic', 'claude-sonnet-5')).toMatchObject({ input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 });
    expect(find('openai', 'gpt-5.4-mini')).toMatchObject({ input: 0.75, output: 4.5, cacheRead: 0.075, cacheWrite: 0.75 });
  });

  it('reads limits, reasoning, sampling support and the deprecation date', () => {
    expect(find('kimi', 'kimi-k3-preview')).toMatchObject({ contextWindow: 524288, maxOutput: 131072, reasoning: 'optional' });
    expect(find('anthropic', 'claude-sonnet-5')).toMatchObject({ temperature: false, maxOutput: 128000 });
    expect(find('kimi', 'kimi-k2.6')!.temperature).toBeUndefined();
    expect(find('kimi', 'kimi-k2-0905-preview')).toMatchObject({ deprecationDate: '2026-05-25' });
    expect(find('openrouter', 'moonshotai/kimi-k2.5')!.reasoning).toBeUndefined();
  });
});
