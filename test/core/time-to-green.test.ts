/**
 * Time to green through runPipeline: the sandbox made while the model answers (and deleted when the run ends
 * first), and --candidates (k replies tested at once, the first to pass kept, else the best repaired).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/batch/limiter.js';
import { ProviderError } from '../../src/errors.js';
import type { Provider } from '../../src/types.js';
import { scriptedProvider } from '../fakes/scripted-provider.js';
import { BUGGY_CALC, FIXED_CALC, generateOptions, makeDeps, reply, runToResult, tempOut, TEST_CALC } from './harness.js';

const PRICE = { input: 1, output: 10 };
const right = reply({ 'calc.py': FIXED_CALC, 'test_calc.py': TEST_CALC });
const wrong = reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC });
const broken = reply({ 'calc.py': 'def add(a, b) return\n', 'test_calc.py': TEST_CALC });

let tmp: ReturnType<typeof tempOut>;
beforeEach(() => {
  tmp = tempOut();
});
afterEach(() => tmp.cleanup());

/** The harness's deps, with a count of the sandbox creates that had begun. */
function counting(h: ReturnType<typeof makeDeps>) {
  const create = h.deps.sandbox.create;
  const seen = { creates: 0 };
  h.deps.sandbox.create = (lang, o) => {
    seen.creates++;
    return create(lang, o);
  };
  return seen;
}

describe('the sandbox is made while the model answers', { timeout: 60_000 }, () => {
  it('its creation has begun once the model request is on the wire, and the tests run in it', async () => {
    let createsWhenAsked = -1;
    const model = scriptedProvider([{ text: right, before: () => void (createsWhenAsked = seen.creates) }]);
    const h = makeDeps(model);
    const seen = counting(h);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 0 }), h);
    expect(result.exitCode).toBe(0);
    expect(createsWhenAsked).toBe(1);
    expect(h.sandboxes).toHaveLength(1);
    expect(h.sandboxes[0]!.disposed).toBe(1);
  });

  it('is deleted when the model call fails', async () => {
    const model = scriptedProvider([
      {
        text: right,
        before: () => {
          throw new ProviderError('the server is down', { code: 'provider_server', status: 500 });
        },
      },
    ]);
    const h = makeDeps(model);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 0 }), h);
    expect(result.exitCode).toBe(3);
    expect(h.sandboxes).toHaveLength(1);
    expect(h.sandboxes[0]!.disposed).toBe(1);
    expect(existsSync(h.sandboxes[0]!.root)).toBe(false);
    expect(h.pendingCleanups.size).toBe(0);
  });

  it('is deleted when the reply holds no code', async () => {
    const h = makeDeps(scriptedProvider([{ text: 'I cannot help with that.' }]));
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 0 }), h);
    expect(result.exitCode).toBe(5);
    expect(h.sandboxes.map((s) => s.disposed)).toEqual([1]);
  });

  it('is not made when the tests will not run', async () => {
    const h = makeDeps(scriptedProvider([{ text: right }]));
    const seen = counting(h);
    const { result } = await runToResult(generateOptions(tmp.out, { run: false, fix: 0 }), h);
    expect(result.exitCode).toBe(0);
    expect(seen.creates).toBe(0);
  });
});

describe('--candidates', { timeout: 90_000 }, () => {
  it('keeps the reply whose tests pass, counts and prices every call, tests each in a sandbox of its own', async () => {
    const usage = { inputTokens: 100, outputTokens: 50 };
    const model = scriptedProvider([
      { text: wrong, usage },
      { text: right, usage },
      { text: broken, usage },
    ]);
    const h = makeDeps(model, { price: PRICE });
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 0, candidates: 3 }), h);
    expect(result.exitCode).toBe(0);
    expect(model.calls).toHaveLength(3);
    expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toBe(FIXED_CALC);
    const candidates = result.candidates!;
    expect(candidates.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(candidates[1]!.outcome).toBe('won');
    expect(['failed', 'cancelled']).toContain(candidates[0]!.outcome);
    expect(['error', 'failed', 'cancelled']).toContain(candidates[2]!.outcome);
    const one = (100 * 1 + 50 * 10) / 1e6;
    for (const c of candidates) expect(c.cost!.usd).toBeCloseTo(one, 12);
    expect(result.cost!.usd).toBeCloseTo(3 * one, 12);
    expect(result.usage).toMatchObject({ inputTokens: 300, outputTokens: 150 });
    expect(result.tests).toMatchObject({ passed: 2, failed: 0 });
    // One sandbox each, all deleted; the winner's round is the last.
    expect(h.sandboxes).toHaveLength(3);
    expect(h.sandboxes.every((s) => s.disposed === 1)).toBe(true);
    expect(result.rounds.at(-1)!.tests).toMatchObject({ passed: 2 });
  });

  it('the first to pass wins at once: a candidate still answering is cancelled, its streamed tokens counted as an estimate', async () => {
    let call = 0;
    const model: Provider = {
      id: 'openai-compatible',
      model: 'scripted-model',
      baseURL: 'http://127.0.0.1:1/v1',
      async generate(_messages, opts = {}) {
        if (call++ === 0) {
          // Streams a little, then answers only when it is cancelled.
          opts.onDelta?.('```python', 40);
          return new Promise((_, reject) => opts.signal!.addEventListener('abort', () => reject(opts.signal!.reason), { once: true }));
        }
        return { text: right, usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: null, stopReason: 'stop', model: 'scripted-model', raw: null, durationMs: 1 };
      },
    };
    const h = makeDeps(model, { price: PRICE });
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 0, candidates: 2 }), h);
    expect(result.exitCode).toBe(0);
    expect(result.candidates!.map((c) => c.outcome)).toEqual(['cancelled', 'won']);
    expect(result.candidates![0]).toMatchObject({ usageEstimated: true, usage: { outputTokens: 40 } });
    expect(result.cost!.usd).toBeGreaterThan((100 * 1 + 50 * 10) / 1e6);
  });

  it('when none passes, the one with the most passing tests goes on to repair', async () => {
    const model = scriptedProvider([
      { text: broken },
      { text: broken },
      { text: wrong }, // one of its two tests passes
      { text: reply({ 'calc.py': FIXED_CALC }) },
    ]);
    const h = makeDeps(model);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 1, candidates: 3 }), h);
    expect(result.exitCode).toBe(0);
    expect(result.candidates!.map((c) => c.outcome)).toEqual(['failed', 'failed', 'won']);
    expect(model.calls).toHaveLength(4);
    // The repair call continues the chosen candidate's conversation.
    const repair = model.calls[3]!.messages;
    expect(repair.find((m) => m.role === 'assistant')!.content).toBe(wrong);
    expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toBe(FIXED_CALC);
  });

  it('with one sandbox place for three candidates (a batch limit), none passing, it still ends: the best is repaired', async () => {
    const model = scriptedProvider([{ text: broken }, { text: wrong }, { text: broken }, { text: reply({ 'calc.py': FIXED_CALC }) }]);
    const h = makeDeps(model);
    h.deps.sandboxGate = new Semaphore(1);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 1, candidates: 3 }), h);
    expect(result.exitCode).toBe(0);
    expect(result.candidates!.map((c) => c.outcome)).toEqual(['failed', 'won', 'failed']);
    expect(h.sandboxes.every((s) => s.disposed === 1)).toBe(true);
    expect(h.pendingCleanups.size).toBe(0);
  });

  it('--max-cost must cover all k calls at their worst before any is sent', async () => {
    const model = scriptedProvider([{ text: right }]);
    const h = makeDeps(model, { price: PRICE });
    // One call's worst case (~ 8192 output tokens at $10/M ≈ $0.08) fits; three do not.
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 0, candidates: 3, maxCost: 0.15 }), h);
    expect(result.exitCode).toBe(2);
    expect(result.error!.message).toContain('3 calls');
    expect(model.calls).toHaveLength(0);
    const single = makeDeps(model, { price: PRICE });
    const { result: one } = await runToResult(generateOptions(join(tmp.dir, 'one'), { fix: 0, maxCost: 0.15 }), single);
    expect(one.exitCode).toBe(0);
  });
});
