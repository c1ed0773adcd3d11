import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/files.js';
import { rcSchema } from '../../src/config/schema.js';
import { catalogSchema } from '../../src/cost/catalog-schema.js';
import { ConfigError } from '../../src/errors.js';
import { defaultModel, findModel, loadCatalog, parsePricingKey, RC_PRICE_SOURCE } from '../../src/cost/catalog.js';
import { modelsView } from '../../src/cost/cost.js';
import { checkRetirement } from '../../src/cost/lifecycle.js';
import { PROVIDER_IDS } from '../../src/types.js';

describe('the shipped catalog', () => {
  const cat = loadCatalog();

  it('matches the catalog schema', () => {
    const raw = JSON.parse(readFileSync(new URL('../../catalog/models.json', import.meta.url), 'utf8'));
    const parsed = catalogSchema.safeParse(raw);
    expect(parsed.success, JSON.stringify(parsed.error?.issues[0])).toBe(true);
  });

  it('has a price date and every seed model', () => {
    expect(cat.pricesAsOf).toMatch(/^2026-/);
    for (const id of ['moonshot-v1-8k', 'moonshot-v1-32k', 'moonshot-v1-128k', 'kimi-k2.5', 'kimi-k2-0905-preview', 'kimi-k2-thinking', 'kimi-k2-turbo-preview']) {
      expect(findModel(cat, 'kimi', id), id).not.toBeNull();
    }
    for (const id of ['claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-5', 'claude-sonnet-5']) {
      expect(findModel(cat, 'anthropic', id), id).not.toBeNull();
    }
    expect(findModel(cat, 'openrouter', 'moonshotai/kimi-k2')).not.toBeNull();
    expect(findModel(cat, 'openrouter', 'anthropic/claude-sonnet-4.5')).not.toBeNull();
  });

  it('gives every provider but openai-compatible one current default', () => {
    for (const id of PROVIDER_IDS) {
      const defaults = cat.models.filter((m) => m.provider === id && m.default);
      if (id === 'openai-compatible') {
        expect(defaults).toHaveLength(0);
        expect(() => defaultModel(id)).toThrow(ConfigError);
        continue;
      }
      expect(defaults, id).toHaveLength(1);
      expect(defaults[0]!.retired ?? false).toBe(false);
      expect(defaultModel(id)).toBe(defaults[0]!.id);
    }
    expect(defaultModel('anthropic')).toBe('claude-sonnet-4-6');
  });

  it('has the notes\' Anthropic and Kimi prices', () => {
    expect(findModel(cat, 'anthropic', 'claude-sonnet-4-6')).toMatchObject({ input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15 });
    expect(findModel(cat, 'anthropic', 'claude-sonnet-5')).toMatchObject({ input: 2, cacheWrite: 2.5, cacheRead: 0.2, output: 10 });
    expect(findModel(cat, 'anthropic', 'claude-haiku-4-5')).toMatchObject({ input: 1, cacheWrite: 1.25, cacheRead: 0.1, output: 5 });
    expect(findModel(cat, 'anthropic', 'claude-opus-4-5')).toMatchObject({ input: 5, cacheWrite: 6.25, cacheRead: 0.5, output: 25 });
    expect(findModel(cat, 'kimi', 'kimi-k2.5')).toMatchObject({ cacheRead: 0.1, input: 0.6, output: 3 });
    expect(findModel(cat, 'kimi', 'moonshot-v1-32k')).toMatchObject({ input: 1, output: 3 });
  });

  it('marks claude-3-5-sonnet retired, with a successor that is current', () => {
    const old = findModel(cat, 'anthropic', 'claude-3-5-sonnet-20241022');
    expect(old?.id).toBe('claude-3-5-sonnet');
    expect(old?.retired).toBe(true);
    const next = findModel(cat, 'anthropic', old!.successor!);
    expect(next?.retired ?? false).toBe(false);
    expect(() => checkRetirement(old!, 'claude-3-5-sonnet', new Date())).toThrow('claude-3-5-sonnet was retired by its provider');
  });

  it('defaults are current and not scheduled to retire; every successor is current', () => {
    for (const m of cat.models) {
      if (m.default) {
        expect(m.deprecationDate, m.id).toBeUndefined();
        expect(m.retired ?? false, m.id).toBe(false);
      }
      if (m.successor) {
        const next = findModel(cat, m.provider as never, m.successor);
        expect(next, `${m.id} → ${m.successor}`).not.toBeNull();
        expect(next!.retired ?? false).toBe(false);
        expect(next!.deprecationDate, m.successor).toBeUndefined();
      }
    }
  });

  it('carries the retirement dates of issue #15 and the SDK\'s deprecated-models file', () => {
    expect(findModel(cat, 'openai', 'gpt-5-mini')).toMatchObject({ deprecationDate: '2026-12-11', successor: 'gpt-5.4-mini' });
    expect(findModel(cat, 'openai', 'gpt-5')).toMatchObject({ deprecationDate: '2026-12-11' });
    for (const id of ['gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini']) expect(findModel(cat, 'openai', id)!.deprecationDate, id).toBe('2027-01-14');
    expect(findModel(cat, 'anthropic', 'claude-sonnet-4-5-20250929')).toMatchObject({ deprecationDate: '2026-11-30', successor: 'claude-sonnet-4-6' });
    expect(findModel(cat, 'anthropic', 'claude-opus-4-5')).toMatchObject({ deprecationDate: '2027-01-22' });
    expect(defaultModel('openai')).toBe('gpt-5.4-mini');
    expect(defaultModel('kimi')).toBe('kimi-k2.6');
  });

  it('says per model which temperatures it takes, instead of guessing from the id', () => {
    expect(findModel(cat, 'openai', 'gpt-5.4-mini')!.temperature).toBe(false);
    expect(findModel(cat, 'openai', 'gpt-4.1')!.temperature).toBe(true);
    expect(findModel(cat, 'kimi', 'kimi-k2.5')!.temperature).toBe(false);
    expect(findModel(cat, 'kimi', 'moonshot-v1-8k')!.temperature).toBe(true);
    expect(findModel(cat, 'kimi', 'kimi-k2-thinking')!.reasoning).toBe('always');
  });

  it('finds dated snapshots and aliases, but not across providers', () => {
    expect(findModel(cat, 'anthropic', 'claude-haiku-4-5-20251001')?.id).toBe('claude-haiku-4-5');
    expect(findModel(cat, 'anthropic', 'claude-sonnet-4-6-20260301')?.id).toBe('claude-sonnet-4-6');
    expect(findModel(cat, 'openrouter', 'kimi-k2.5')).toBeNull();
    expect(findModel(cat, 'kimi', 'no-such-model')).toBeNull();
  });
});

describe('rc pricing overrides', () => {
  it('splits keys on a provider prefix only', () => {
    expect(parsePricingKey('openrouter/moonshotai/kimi-k2')).toEqual({ provider: 'openrouter', model: 'moonshotai/kimi-k2' });
    expect(parsePricingKey('moonshotai/kimi-k2')).toEqual({ provider: '*', model: 'moonshotai/kimi-k2' });
    expect(parsePricingKey('llama3')).toEqual({ provider: '*', model: 'llama3' });
  });

  it('replaces a known model\'s prices and keeps its facts', () => {
    const cat = loadCatalog({ 'anthropic/claude-3-5-sonnet': { input: 1, output: 2, cacheRead: 0.5, cacheWrite: 1.5 } });
    const m = findModel(cat, 'anthropic', 'claude-3-5-sonnet')!;
    expect(m).toMatchObject({ input: 1, output: 2, cacheRead: 0.5, cacheWrite: 1.5, retired: true, source: RC_PRICE_SOURCE });
    // The shipped catalog is not changed by an override.
    expect(findModel(loadCatalog(), 'anthropic', 'claude-3-5-sonnet')!.input).toBe(3);
  });

  it('adds unknown models, by provider or for any provider, cache prices defaulting to input', () => {
    const cat = loadCatalog({ 'openai-compatible/qwen2.5-coder': { input: 0.1, output: 0.2 }, llama3: { input: 0, output: 0 } });
    expect(findModel(cat, 'openai-compatible', 'qwen2.5-coder')).toMatchObject({ input: 0.1, output: 0.2, cacheRead: 0.1, cacheWrite: 0.1 });
    expect(findModel(cat, 'kimi', 'qwen2.5-coder')).toBeNull();
    expect(findModel(cat, 'openai-compatible', 'llama3')).toMatchObject({ input: 0, output: 0 });
    expect(findModel(cat, 'openrouter', 'llama3')).not.toBeNull();
  });

  it('a bare model id overrides that model wherever it is listed', () => {
    const cat = loadCatalog({ 'kimi-k2.5': { input: 9, output: 9 } });
    expect(findModel(cat, 'kimi', 'kimi-k2.5')!.input).toBe(9);
  });

  it('malformed prices are refused with the rc file, before the catalog sees them', () => {
    expect(() => validate({ pricing: { x: { input: -1, output: 1 } } }, '/p/.ptcrc.json', 'project', () => {}, rcSchema)).toThrow(/pricing\.x\.input/);
  });
});

describe('modelsView', () => {
  it('shows the price date and a row per model with the retired marker and successor', () => {
    const { text, json } = modelsView(loadCatalog(), { provider: 'anthropic' });
    expect(text).toMatch(/as of 2026-\d\d-\d\d/);
    expect(text.split('\n')[2]).toMatch(/^provider\s+model\s+input\s+output\s+cache read\s+cache write\s+source\s+status$/);
    const row = text.split('\n').find((l) => l.includes('claude-3-5-sonnet'))!;
    expect(row).toMatch(/anthropic\s+claude-3-5-sonnet\s+3\.00\s+15\.00\s+0\.30\s+3\.75\s+shipped 2026-\d\d-\d\d\s+retired → claude-sonnet-4-6/);
    expect(text).not.toContain('kimi-k2.5');
    const j = json as { pricesAsOf: string; models: Array<{ provider: string; id: string; retired: boolean; successor: string | null }> };
    expect(j.pricesAsOf).toBe(loadCatalog().pricesAsOf);
    expect(j.models.every((m) => m.provider === 'anthropic')).toBe(true);
    expect(j.models.find((m) => m.id === 'claude-3-5-sonnet')).toMatchObject({ retired: true, successor: 'claude-sonnet-4-6' });
  });

  it('says what to do for a provider with no listed models', () => {
    const { text, json } = modelsView(loadCatalog(), { provider: 'openai-compatible' });
    expect(text).toContain('--model');
    expect((json as { models: unknown[] }).models).toEqual([]);
  });

  it('lists every provider without a filter', () => {
    const { json } = modelsView(loadCatalog());
    const providers = new Set((json as { models: Array<{ provider: string }> }).models.map((m) => m.provider));
    expect([...providers].sort()).toEqual(['anthropic', 'kimi', 'openai', 'openrouter']);
  });
});

describe('modelsView prices', () => {
  it('keeps a third decimal where the price has one', () => {
    const { text } = modelsView(loadCatalog(), { provider: 'openai' });
    const row = text.split('\n').find((l) => /\bgpt-5\s/.test(l))!;
    expect(row).toMatch(/gpt-5\s+1\.25\s+10\.00\s+0\.125\s+1\.25/);
  });
});
