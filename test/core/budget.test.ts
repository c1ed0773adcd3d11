/**
 * --max-cost through runPipeline: the worst case of the next call (estimated input + the output cap, at the
 * catalog price) must fit what is left, the boundary is inclusive, and the call goes out with the cap the
 * check assumed. Also how a total is labelled when its rounds' costs come from different sources.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_OUTPUT_TOKENS, estimateTokens } from '../../src/core/budget.js';
import type { ChatMessage } from '../../src/types.js';
import { scriptedProvider } from '../fakes/scripted-provider.js';
import { BUGGY_CALC, FIXED_CALC, generateOptions, makeDeps, reply, runToResult, tempOut, TEST_CALC } from './harness.js';

const PRICE = { input: 1, output: 10 }; // $ per 1M tokens
const GOOD = reply({ 'calc.py': FIXED_CALC, 'test_calc.py': TEST_CALC });

let tmp: ReturnType<typeof tempOut>;
beforeEach(() => {
  tmp = tempOut();
});
afterEach(() => tmp.cleanup());

/** The messages the first call sends, as the pipeline builds them. */
async function firstMessages(): Promise<ChatMessage[]> {
  const model = scriptedProvider([{ text: GOOD }]);
  await runToResult(generateOptions(tmp.out, { run: false, fix: 0 }), makeDeps(model, { price: PRICE }));
  tmp.cleanup();
  tmp = tempOut();
  return model.calls[0]!.messages;
}

describe('the --max-cost check', () => {
  it('estimates about 3 characters a token, rounding up', () => {
    expect([estimateTokens(''), estimateTokens('abc'), estimateTokens('abcd'), estimateTokens('x'.repeat(3000))]).toEqual([0, 1, 2, 1000]);
  });

  it('allows a call whose worst case is exactly the budget, stops one that is a hair over, and names the estimate', async () => {
    const messages = await firstMessages();
    const inputTokens = Math.ceil(messages.map((m) => m.content).join('\n').length / 3);
    const worst = (inputTokens * PRICE.input + DEFAULT_MAX_OUTPUT_TOKENS * PRICE.output) / 1e6;

    const fits = scriptedProvider([{ text: GOOD }]);
    const ok = await runToResult(generateOptions(tmp.out, { run: false, fix: 0, maxCost: worst }), makeDeps(fits, { price: PRICE }));
    expect(ok.result.exitCode).toBe(0);
    expect(fits.calls).toHaveLength(1);
    // The call carries the output cap the check assumed, so the worst case really is the worst case.
    expect(fits.calls[0]!.opts.maxTokens).toBe(DEFAULT_MAX_OUTPUT_TOKENS);

    tmp.cleanup();
    tmp = tempOut();
    const over = scriptedProvider([{ text: GOOD }]);
    const stopped = await runToResult(generateOptions(tmp.out, { run: false, fix: 0, maxCost: worst - 1e-9 }), makeDeps(over, { price: PRICE }));
    expect(over.calls).toHaveLength(0);
    expect(stopped.result.error).toMatchObject({ code: 'budget_exceeded' });
    expect(stopped.result.error!.message).toContain(`(about ${inputTokens} input tokens + ${DEFAULT_MAX_OUTPUT_TOKENS} output tokens)`);
  });

  it('sends --max-tokens, not the default cap, when it is set', async () => {
    const model = scriptedProvider([{ text: GOOD }]);
    await runToResult(generateOptions(tmp.out, { run: false, fix: 0, maxCost: 1, maxTokens: 500 }), makeDeps(model, { price: PRICE }));
    expect(model.calls[0]!.opts.maxTokens).toBe(500);
  });

  it('without --max-cost or --max-tokens no cap is sent (the provider default holds)', async () => {
    const model = scriptedProvider([{ text: GOOD }]);
    await runToResult(generateOptions(tmp.out, { run: false, fix: 0 }), makeDeps(model, { price: PRICE }));
    expect(model.calls[0]!.opts.maxTokens).toBeUndefined();
  });
});

describe('cost totals over rounds', { timeout: 60_000 }, () => {
  const firstReply = reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC });
  const fix = reply({ 'calc.py': FIXED_CALC });

  it('a billed round plus an estimated one: each round keeps its label, the total is an estimate', async () => {
    const model = scriptedProvider([
      { text: firstReply, costUsd: 0.01 },
      { text: fix, usage: { inputTokens: 1000, outputTokens: 100 } },
    ]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 2 }), makeDeps(model, { price: PRICE }));
    expect(result.exitCode).toBe(0);
    const round1 = (1000 * 1 + 100 * 10) / 1e6;
    expect(result.rounds.map((r) => r.cost)).toEqual([
      { usd: 0.01, source: 'provider' },
      { usd: expect.closeTo(round1, 12), source: 'catalog' },
    ]);
    expect(result.cost).toEqual({ usd: expect.closeTo(0.01 + round1, 12), source: 'catalog' });
  });

  it('an unpriced round makes the total unknown instead of counting it as $0', async () => {
    const model = scriptedProvider([{ text: firstReply, costUsd: 0.01 }, { text: fix }]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 2 }), makeDeps(model, { price: null }));
    expect(result.exitCode).toBe(0);
    expect(result.rounds.map((r) => r.cost)).toEqual([
      { usd: 0.01, source: 'provider' },
      { usd: null, source: 'unknown' },
    ]);
    expect(result.cost).toEqual({ usd: null, source: 'unknown' });
  });
});
