import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider, type ProviderSettings } from '../../src/providers/index.js';
import { ANSWER_TOKENS, planOutput, THINKING_BUDGET } from '../../src/providers/reasoning.js';
import type { ProviderId, ThinkingRequest } from '../../src/types.js';
import { type AnthropicFake, startAnthropicFake } from '../fakes/anthropic-server.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai-server.js';
import { KEY } from './helpers.js';

let anthropic: AnthropicFake;
let chat: OpenAIFake;
beforeAll(async () => {
  [anthropic, chat] = await Promise.all([startAnthropicFake(), startOpenAIFake()]);
});
afterAll(async () => {
  await Promise.all([anthropic.close(), chat.close()]);
});

const prompt = [{ role: 'user' as const, content: 'add two numbers' }];

async function provider(id: ProviderId, model: string, over: Partial<ProviderSettings> = {}) {
  const baseURL = id === 'anthropic' ? anthropic.url : chat.url;
  return createProvider({ id, model, apiKey: KEY, apiKeySource: 'KEY', baseURL, maxRetries: 0, ...over });
}

describe('thinking streams', () => {
  it('anthropic: thinking deltas are counted and flagged, never part of the text; the usage says how many were thinking', async () => {
    anthropic.enqueue({ thinking: 'Let me think about adding. '.repeat(20), text: 'def add(a, b):\n    return a + b\n', usage: { output: 900, thinking: 850 } });
    const calls: Array<{ text: string; tokens: number; thinking: boolean }> = [];
    const reply = await (await provider('anthropic', 'claude-sonnet-4-6')).generate(prompt, {
      maxTokens: 16384,
      thinking: { level: 'medium', budgetTokens: 8192 },
      onDelta: (text, tokens, thinking) => calls.push({ text, tokens, thinking: Boolean(thinking) }),
    });
    expect(reply.text).toBe('def add(a, b):\n    return a + b\n');
    expect(reply.text).not.toContain('think');
    expect(reply.usage).toMatchObject({ outputTokens: 900, reasoningTokens: 850 });
    // Thinking came first, flagged, with no text; the token count grew while it streamed.
    const first = calls.findIndex((c) => !c.thinking);
    expect(first).toBeGreaterThan(1);
    expect(calls.slice(0, first).every((c) => c.thinking && c.text === '')).toBe(true);
    expect(calls[first - 1]!.tokens).toBeGreaterThan(calls[0]!.tokens);
    expect(calls.slice(first).map((c) => c.text).join('')).toBe(reply.text);
    expect(anthropic.requests.at(-1)!.body).toMatchObject({ max_tokens: 16384, thinking: { type: 'enabled', budget_tokens: 8192 } });
    expect(anthropic.requests.at(-1)!.body.temperature).toBeUndefined();
  });

  it('anthropic: a redacted_thinking block and a whole (non-streamed) reply keep thinking out of the text', async () => {
    anthropic.enqueue({ redactedThinking: true, thinking: 'secret plan', text: 'answer', usage: { output: 40 } });
    const reply = await (await provider('anthropic', 'claude-sonnet-4-6')).generate(prompt, { stream: false });
    expect(reply.text).toBe('answer');
    // No thinking_tokens on the wire: estimated from what was seen, within the output.
    expect(reply.usage.reasoningTokens).toBe(3);
  });

  it('kimi: reasoning_content deltas are flagged as thinking and kept out of the text', async () => {
    chat.enqueue({ reasoning: 'step one, step two. '.repeat(30), text: 'answer', usageShape: 'kimi-top-level-cached', usage: { prompt: 50, completion: 200 } });
    const flags: boolean[] = [];
    const reply = await (await provider('kimi', 'kimi-k2.6')).generate(prompt, { onDelta: (_t, _n, thinking) => flags.push(Boolean(thinking)) });
    expect(reply.text).toBe('answer');
    expect(flags[0]).toBe(true);
    expect(flags.at(-1)).toBe(false);
    // Kimi reports no breakdown: the seen reasoning is estimated (600 characters ≈ 150 tokens), within the output.
    expect(reply.usage).toMatchObject({ outputTokens: 200, reasoningTokens: 150 });
  });

  it('openrouter: `reasoning` deltas and completion_tokens_details.reasoning_tokens', async () => {
    chat.enqueue({ reasoning: 'hmm '.repeat(50), reasoningField: 'reasoning', text: 'answer', usageShape: 'openrouter-with-cost', usage: { completion: 300, reasoning: 260, cost: 0.01 } });
    const reply = await (await provider('openrouter', 'moonshotai/kimi-k2.5')).generate(prompt);
    expect(reply.text).toBe('answer');
    expect(reply.usage).toMatchObject({ outputTokens: 300, reasoningTokens: 260 });
  });
});

describe('--reasoning on the wire', () => {
  const cases: Array<[ProviderId, string, ThinkingRequest, Record<string, unknown>]> = [
    ['anthropic', 'claude-sonnet-4-6', { level: 'high', budgetTokens: 24576 }, { thinking: { type: 'enabled', budget_tokens: 24576 } }],
    ['anthropic', 'claude-sonnet-4-6', { level: 'off', budgetTokens: null }, { thinking: { type: 'disabled' } }],
    ['openai', 'gpt-5.4-mini', { level: 'low', budgetTokens: null }, { reasoning_effort: 'low' }],
    ['openai', 'gpt-5.4-mini', { level: 'off', budgetTokens: null }, { reasoning_effort: 'none' }],
    ['kimi', 'kimi-k2.6', { level: 'high', budgetTokens: null }, { reasoning_effort: 'high' }],
    ['kimi', 'kimi-k2.6', { level: 'off', budgetTokens: null }, { thinking: { type: 'disabled' } }],
    ['openrouter', 'moonshotai/kimi-k2.5', { level: 'medium', budgetTokens: null }, { reasoning: { effort: 'medium' } }],
    ['openrouter', 'moonshotai/kimi-k2.5', { level: 'off', budgetTokens: null }, { reasoning: { enabled: false } }],
  ];
  for (const [id, model, thinking, expected] of cases) {
    it(`${id} ${thinking.level} → ${JSON.stringify(expected)}`, async () => {
      const fake = id === 'anthropic' ? anthropic : chat;
      fake.enqueue({ text: 'ok' });
      await (await provider(id, model)).generate(prompt, { maxTokens: 40000, thinking });
      const body = fake.requests.at(-1)!.body;
      expect(body).toMatchObject(expected);
      // Kimi takes reasoning_effort or the thinking switch, never both.
      if (id === 'kimi') expect('thinking' in body && 'reasoning_effort' in body).toBe(false);
    });
  }

  it('no level sends nothing about thinking: the model keeps its default', async () => {
    chat.enqueue({ text: 'ok' });
    await (await provider('kimi', 'kimi-k2.6')).generate(prompt, { thinking: { level: null, budgetTokens: null } });
    const body = chat.requests.at(-1)!.body;
    expect(body.reasoning_effort).toBeUndefined();
    expect(body.thinking).toBeUndefined();
  });
});

describe('the output cap', () => {
  const sonnet = { maxOutput: 64000, reasoning: 'optional' as const };
  it('a thinking model by default gets room for its thinking on top of the answer', () => {
    const plan = planOutput({ model: 'claude-sonnet-4-6', entry: sonnet, level: null, maxTokens: null, capRequired: true });
    expect(plan).toMatchObject({ maxTokens: ANSWER_TOKENS + THINKING_BUDGET.medium, thinking: { level: null }, thinks: true, notes: [] });
  });

  it('--reasoning high: the budget is sent and the cap holds it plus the answer', () => {
    const plan = planOutput({ model: 'claude-sonnet-4-6', entry: sonnet, level: 'high', maxTokens: 4000, capRequired: true });
    expect(plan.maxTokens).toBe(4000 + THINKING_BUDGET.high);
    expect(plan.thinking).toEqual({ level: 'high', budgetTokens: THINKING_BUDGET.high });
    expect(plan.thinking.budgetTokens!).toBeLessThan(plan.maxTokens!);
  });

  it('--max-tokens above the model maximum is capped there, with a note', () => {
    const plan = planOutput({ model: 'gpt-4o-mini', entry: { maxOutput: 16384, reasoning: 'none' }, level: null, maxTokens: 100000, capRequired: false });
    expect(plan.maxTokens).toBe(16384);
    expect(plan.notes).toEqual(["--max-tokens 100000 is above gpt-4o-mini's maximum output of 16384 tokens: asking for 16384"]);
  });

  it('a squeezed cap keeps the budget below it and leaves the answer room', () => {
    const plan = planOutput({ model: 'm', entry: { maxOutput: 16384, reasoning: 'optional' }, level: 'high', maxTokens: null, capRequired: true });
    expect(plan.maxTokens).toBe(16384);
    expect(plan.thinking.budgetTokens).toBe(16384 - ANSWER_TOKENS);
  });

  it('levels a model cannot honour are not sent, and say so', () => {
    expect(planOutput({ model: 'moonshot-v1-8k', entry: { reasoning: 'none' }, level: 'high', maxTokens: null, capRequired: false })).toMatchObject({
      maxTokens: null,
      thinking: { level: null },
      notes: ['moonshot-v1-8k does not think: --reasoning high is not sent'],
    });
    expect(planOutput({ model: 'kimi-k2-thinking', entry: { reasoning: 'always' }, level: 'off', maxTokens: null, capRequired: false })).toMatchObject({
      maxTokens: ANSWER_TOKENS + THINKING_BUDGET.medium,
      thinking: { level: null },
      notes: ['kimi-k2-thinking always thinks: --reasoning off is not sent'],
    });
  });

  it('off on a model that may think: no allowance, thinking switched off', () => {
    expect(planOutput({ model: 'claude-sonnet-4-6', entry: sonnet, level: 'off', maxTokens: null, capRequired: true })).toMatchObject({
      maxTokens: ANSWER_TOKENS,
      thinking: { level: 'off', budgetTokens: null },
      thinks: false,
    });
  });
});
