/**
 * Prompt caching across repair rounds through the real Anthropic adapter and SDK, against the loopback
 * Messages API: the repeated prefix carries cache_control, and cached tokens are priced at their own price.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { findModel, loadCatalog } from '../../src/cost/catalog.js';
import { createProvider } from '../../src/providers/index.js';
import { startAnthropicFake, type AnthropicFake } from '../fakes/anthropic-server.js';
import { KEY } from '../providers/helpers.js';
import { BUGGY_CALC, FIXED_CALC, generateOptions, makeDeps, reply, runToResult, tempOut, TEST_CALC } from './harness.js';

let fake: AnthropicFake;
let tmp: ReturnType<typeof tempOut>;
beforeEach(async () => {
  fake = await startAnthropicFake({ apiKey: KEY });
  tmp = tempOut();
});
afterEach(async () => {
  await fake.close();
  tmp.cleanup();
});

it('marks system prompt and original request for caching in every call, and prices cache reads and writes', { timeout: 60_000 }, async () => {
  fake.enqueue(
    { text: reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC }), usage: { input: 10, output: 200, cacheWrite: 1500 } },
    { text: reply({ 'calc.py': FIXED_CALC }), usage: { input: 400, output: 60, cacheRead: 1500 } },
  );
  const provider = await createProvider({
    id: 'anthropic',
    model: 'claude-sonnet-4-6',
    apiKey: KEY,
    apiKeySource: 'ANTHROPIC_API_KEY',
    baseURL: fake.url,
    maxRetries: 0,
  });
  const price = findModel(loadCatalog(), 'anthropic', 'claude-sonnet-4-6')!;
  const h = makeDeps(provider, { price });
  const { result } = await runToResult(generateOptions(tmp.out, { fix: 2 }), h);

  expect(result.exitCode).toBe(0);
  expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toBe(FIXED_CALC);
  const bodies = fake.requests.filter((r) => r.path.startsWith('/v1/messages')).map((r) => r.body);
  expect(bodies).toHaveLength(2);

  const ephemeral = { type: 'ephemeral' };
  for (const body of bodies) {
    expect(body.system.at(-1).cache_control).toEqual(ephemeral);
    expect(body.messages[0].role).toBe('user');
    expect(body.messages[0].content[0].text).toContain('a function add(a, b)');
    expect(body.messages[0].content[0].cache_control).toEqual(ephemeral);
  }
  // The turns after the prefix change every round: not marked.
  expect(bodies[1].messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user']);
  expect(bodies[1].messages[1].content[0].cache_control).toBeUndefined();
  expect(bodies[1].messages[2].content[0].cache_control).toBeUndefined();
  expect(bodies[1].messages[2].content[0].text).toContain('assert -1 == 5');

  // $3 in, $15 out, $0.30 cache read, $3.75 cache write per 1M tokens.
  const round0 = (10 * 3 + 200 * 15 + 1500 * 3.75) / 1e6;
  const round1 = (400 * 3 + 60 * 15 + 1500 * 0.3) / 1e6;
  expect(result.rounds[0]!.usage).toEqual({ inputTokens: 10, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 1500 });
  expect(result.rounds[1]!.usage).toEqual({ inputTokens: 400, outputTokens: 60, cacheReadTokens: 1500, cacheWriteTokens: 0 });
  expect(result.rounds[0]!.cost!.usd).toBeCloseTo(round0, 12);
  expect(result.rounds[1]!.cost!.usd).toBeCloseTo(round1, 12);
  expect(result.cost!.usd).toBeCloseTo(round0 + round1, 12);
  expect(result.usage).toEqual({ inputTokens: 410, outputTokens: 260, cacheReadTokens: 1500, cacheWriteTokens: 1500 });
});

it('without repair rounds ahead, only the system prompt is marked (no cache write for a one-off request)', async () => {
  fake.enqueue({ text: reply({ 'calc.py': FIXED_CALC, 'test_calc.py': TEST_CALC }) });
  const provider = await createProvider({ id: 'anthropic', model: 'claude-sonnet-4-6', apiKey: KEY, apiKeySource: 'ANTHROPIC_API_KEY', baseURL: fake.url, maxRetries: 0 });
  const { result } = await runToResult(generateOptions(tmp.out, { fix: 0, run: false }), makeDeps(provider));
  expect(result.exitCode).toBe(0);
  const body = fake.requests.find((r) => r.path.startsWith('/v1/messages'))!.body;
  expect(body.system.at(-1).cache_control).toEqual({ type: 'ephemeral' });
  expect(body.messages[0].content[0].cache_control).toBeUndefined();
});
