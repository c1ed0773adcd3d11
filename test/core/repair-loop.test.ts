/**
 * The repair loop end to end through runPipeline: a scripted model, the real parser, real safe writes,
 * the real bubblewrap sandbox and real pytest.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { scriptedProvider } from '../fakes/scripted-provider.js';
import { BUGGY_CALC, FIXED_CALC, generateOptions, makeDeps, reply, runToResult, tempOut, TEST_CALC } from './harness.js';

const PRICE = { input: 1, output: 10, cacheRead: 0.1, cacheWrite: 1.25 }; // $ per 1M tokens

let tmp: ReturnType<typeof tempOut>;
beforeEach(() => {
  tmp = tempOut();
});
afterEach(() => tmp.cleanup());

const firstReply = reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC });

describe('repair loop', { timeout: 60_000 }, () => {
  it('fails first and fixes on the second reply: exit 0, two rounds, summed usage and cost, one sandbox', async () => {
    const model = scriptedProvider([
      { text: firstReply, usage: { inputTokens: 1000, outputTokens: 200 } },
      { text: reply({ 'calc.py': FIXED_CALC }, 'The subtraction was wrong.'), usage: { inputTokens: 300, outputTokens: 100, cacheReadTokens: 1000 } },
    ]);
    const h = makeDeps(model, { price: PRICE });
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 3 }), h);

    expect(result.exitCode).toBe(0);
    expect(model.calls).toHaveLength(2);
    expect(result.rounds.map((r) => r.round)).toEqual([0, 1]);
    expect(result.rounds[0]!.tests).toMatchObject({ passed: 1, failed: 1 });
    expect(result.rounds[1]!.tests).toMatchObject({ passed: 2, failed: 0 });
    expect(result.tests).toMatchObject({ ran: true, sandbox: 'local', passed: 2, failed: 0 });
    expect(result.stopReason).toBe('tests pass after 1 repair round');

    // Per round and in total; the cached tokens at the cache price, not the input price.
    const round0 = (1000 * 1 + 200 * 10) / 1e6;
    const round1 = (300 * 1 + 100 * 10 + 1000 * 0.1) / 1e6;
    expect(result.rounds[0]!.cost!.usd).toBeCloseTo(round0, 12);
    expect(result.rounds[1]!.cost!.usd).toBeCloseTo(round1, 12);
    expect(result.cost).toEqual({ usd: expect.closeTo(round0 + round1, 12), source: 'catalog' });
    expect(result.usage).toEqual({ inputTokens: 1300, outputTokens: 300, cacheReadTokens: 1000, cacheWriteTokens: 0 });

    // Written safely over ptc's own file without --force; the result lists the final working set.
    expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toBe(FIXED_CALC);
    const calc = result.files.find((f) => f.path === 'calc.py')!;
    expect(calc.bytes).toBe(Buffer.byteLength(FIXED_CALC));

    // The same sandbox served both runs and was disposed once, at the end; nothing left to clean up.
    expect(h.sandboxes).toHaveLength(1);
    expect(h.sandboxes[0]!.disposed).toBe(1);
    expect(existsSync(h.sandboxes[0]!.root)).toBe(false);
    expect(h.pendingCleanups.size).toBe(0);

    // One progress line per round, each after its tests ran.
    expect(h.rounds.map((r) => [r.round, r.tests?.passed])).toEqual([[0, 1], [1, 2]]);
  });

  it('sends the failure and every earlier turn, with the repeated prefix marked for caching', async () => {
    const model = scriptedProvider([
      { text: firstReply },
      { text: reply({ 'calc.py': 'def add(a, b):\n    return a * b\n' }) },
      { text: reply({ 'calc.py': FIXED_CALC }) },
    ]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 3 }), makeDeps(model));
    expect(result.exitCode).toBe(0);
    expect(model.calls).toHaveLength(3);

    const [first, second, third] = model.calls.map((c) => c.messages);
    expect(first!.map((m) => m.role)).toEqual(['system', 'user']);
    expect(first![1]!.content).toContain('a function add(a, b)');
    // The prefix (system + original request) is marked from the first call on, so the second can read it.
    expect(first!.map((m) => m.cache)).toEqual([true, true]);

    expect(second!.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(second!.slice(0, 2)).toEqual(first);
    expect(second![2]!.content).toBe(firstReply);
    expect(second![2]!.cache).toBeUndefined();
    const repair1 = second![3]!.content;
    expect(repair1).toContain('1 passed, 1 failed');
    expect(repair1).toContain('FAILED: test_add (test_calc.py)');
    expect(repair1).toContain('assert -1 == 5'); // pytest's assertion message
    expect(repair1).toContain('test_calc.py:5: AssertionError'); // and where it was raised
    expect(repair1).toContain("Last lines of the test run's output");
    expect(repair1).not.toContain('FAILED: test_zero');

    // The third call carries the whole conversation, and a report of the second run's failure (a * b).
    expect(third!.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(third!.slice(0, 4)).toEqual(second);
    expect(third![4]!.content).toContain('return a * b');
    expect(third![5]!.content).toContain('assert 6 == 5');
    expect(third![5]!.content).not.toContain('FAILED: test_zero'); // 0 * 0 == 0 passes
  });

  it('never fixes: exit 1 after exactly n repair rounds, n + 1 calls', async () => {
    const model = scriptedProvider([
      { text: firstReply },
      { text: reply({ 'calc.py': 'def add(a, b):\n    return a * b\n' }) },
      { text: reply({ 'calc.py': 'def add(a, b):\n    return b - a\n' }) },
      { text: reply({ 'calc.py': FIXED_CALC }) }, // never asked for
    ]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 2 }), makeDeps(model));
    expect(result.exitCode).toBe(1);
    expect(result.ok).toBe(false);
    expect(model.calls).toHaveLength(3);
    expect(model.remaining()).toBe(1);
    expect(result.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(result.rounds.every((r) => r.tests !== null && r.tests.failed > 0)).toBe(true);
    expect(result.stopReason).toBe('tests still fail after 2 repair rounds');
    expect(result.error).toMatchObject({ code: 'tests_failed', hint: 'tests still fail after 2 repair rounds' });
    expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toContain('return b - a');
  });

  it('stops when a reply changes nothing, and says so', async () => {
    const model = scriptedProvider([
      { text: firstReply },
      { text: reply({ 'calc.py': BUGGY_CALC }, 'The code looks correct to me.') },
      { text: reply({ 'calc.py': FIXED_CALC }) },
    ]);
    const h = makeDeps(model);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 3 }), h);
    expect(result.exitCode).toBe(1);
    expect(model.calls).toHaveLength(2);
    expect(result.rounds).toHaveLength(2);
    expect(result.stopReason).toBe("round 1: the model's reply changed nothing, so repairing stopped");
    expect(h.logger.warnings).toContain(result.stopReason);
    expect(result.rounds[1]!.tests).toMatchObject({ passed: 1, failed: 1 });
  });

  it('a repair reply may spell a path loosely: src//calc.py is the file ptc wrote as src/calc.py', async () => {
    const model = scriptedProvider([
      { text: reply({ 'src/calc.py': BUGGY_CALC, 'src/old.py': 'x = 1\n', 'test_calc.py': TEST_CALC.replace('from calc', 'from src.calc') }) },
      { text: `${reply({ 'src//calc.py': FIXED_CALC })}\n\`\`\`python path=src//old.py deleted\n\`\`\`\n` },
    ]);
    const h = makeDeps(model);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 2 }), h);
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(tmp.out, 'src/calc.py'), 'utf8')).toBe(FIXED_CALC);
    expect(existsSync(join(tmp.out, 'src/old.py'))).toBe(false);
    expect(result.files.map((f) => f.path).sort()).toEqual(['src/calc.py', 'test_calc.py']);
  });

  it('warns and reports a round that deletes a test file, even when everything then passes', async () => {
    const other = 'from calc import add\n\n\ndef test_negative():\n    assert add(-1, -1) == -2 or True\n';
    const model = scriptedProvider([
      { text: reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC, 'test_other.py': other }) },
      { text: 'That test was wrong; removing it.\n\n```python path=test_calc.py deleted\n```\n' },
    ]);
    const h = makeDeps(model);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 2 }), h);
    expect(result.exitCode).toBe(0);
    expect(result.rounds[1]!.testsRemoved).toBe(true);
    expect(result.rounds[0]!.testsRemoved).toBeUndefined();
    const warning = result.warnings!.find((w) => w.includes('removed tests'));
    expect(warning).toBe('round 1: the model removed tests (deleted test_calc.py, test cases 3 → 1, assertions 3 → 1); a pass may not mean what it seems');
    expect(h.logger.warnings).toContain(warning);
    expect(existsSync(join(tmp.out, 'test_calc.py'))).toBe(false);
    expect(result.files.map((f) => f.path).sort()).toEqual(['calc.py', 'test_other.py']);
    expect(result.tests).toMatchObject({ passed: 1, failed: 0 });
  });

  it('warns when a round rewrites a test file with fewer cases and assertions', async () => {
    const weaker = 'from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n';
    const model = scriptedProvider([{ text: firstReply }, { text: reply({ 'test_calc.py': weaker }) }]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 1 }), makeDeps(model));
    expect(result.exitCode).toBe(0);
    expect(result.rounds[1]!.testsRemoved).toBe(true);
    expect(result.warnings).toContain('round 1: the model removed tests (test cases 2 → 1, assertions 2 → 1); a pass may not mean what it seems');
  });

  it('--protect-tests drops the changes to test files and tells the model in the next repair message', async () => {
    const cheat = TEST_CALC.replace('== 5', '== -1');
    const model = scriptedProvider([
      { text: firstReply },
      { text: reply({ 'test_calc.py': cheat }) },
      { text: reply({ 'calc.py': FIXED_CALC, 'test_calc.py': cheat, 'test_new.py': 'def test_x():\n    assert True\n' }) },
    ]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 3, protectTests: true }), makeDeps(model));
    expect(result.exitCode).toBe(0);
    expect(model.calls).toHaveLength(3);
    expect(readFileSync(join(tmp.out, 'test_calc.py'), 'utf8')).toBe(TEST_CALC);
    expect(existsSync(join(tmp.out, 'test_new.py'))).toBe(false);
    expect(result.rounds[1]!.ignoredTestChanges).toEqual(['test_calc.py']);
    expect(result.rounds[2]!.ignoredTestChanges).toEqual(['test_calc.py', 'test_new.py']);
    expect(result.rounds.some((r) => r.testsRemoved)).toBe(false);
    expect(result.warnings).toContain("round 1: --protect-tests: ignored the model's changes to test_calc.py");

    const firstRepair = model.calls[1]!.messages.at(-1)!.content;
    expect(firstRepair).toContain('The test files (test_calc.py) are fixed');
    expect(firstRepair).not.toContain('Your last reply changed the test files');
    const secondRepair = model.calls[2]!.messages.at(-1)!.content;
    expect(secondRepair).toContain('Your last reply changed the test files test_calc.py. Those changes were ignored');
    expect(secondRepair).toContain('assert -1 == 5'); // the tests were not rerun on unchanged files, the failure stands
  });

  it('--protect-tests holds for a test named through a detour (x/../checks.py is checks.py)', async () => {
    const CHECKS = 'import pytest\nfrom calc import add\n\n\ndef test_check():\n    assert add(1, 1) == 2\n';
    const model = scriptedProvider([
      { text: reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC, 'checks.py': CHECKS }) },
      // Not a test by its new content: only the path, keyed as the write keys it, shows it is the protected one.
      { text: reply({ 'calc.py': FIXED_CALC, 'x/../checks.py': 'x = 1\n' }) },
    ]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 1, protectTests: true }), makeDeps(model));
    expect(readFileSync(join(tmp.out, 'checks.py'), 'utf8')).toBe(CHECKS);
    expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toBe(FIXED_CALC);
    expect(result.rounds[1]!.ignoredTestChanges).toEqual(['checks.py']);
  });

  it('stops before a call that would not fit the budget: exit 1 with the reason, no call made', async () => {
    // Round 0 costs $0.0085; a repair call could cost up to 1000 output tokens × $10/1M = $0.01 plus its input.
    const model = scriptedProvider([
      { text: firstReply, usage: { inputTokens: 500, outputTokens: 800 } },
      { text: reply({ 'calc.py': FIXED_CALC }) },
    ]);
    const h = makeDeps(model, { price: PRICE });
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 3, maxCost: 0.015, maxTokens: 1000 }), h);
    expect(result.exitCode).toBe(1);
    expect(model.calls).toHaveLength(1);
    expect(result.rounds).toHaveLength(1);
    expect(result.cost!.usd).toBeCloseTo(0.0085, 12);
    expect(result.stopReason).toMatch(/^--max-cost \$0\.015: spent \$0\.0085 so far, and the next call could cost up to \$0\.01\d+ \(about \d+ input tokens \+ 1000 output tokens\)$/);
    expect(result.error).toMatchObject({ code: 'tests_failed', hint: result.stopReason });
    expect(h.logger.warnings.some((w) => w.startsWith('stopped before repair round 1: --max-cost'))).toBe(true);
    expect(h.sandboxes[0]!.disposed).toBe(1);
  });

  it('the same budget lets the repair call through when it fits', async () => {
    const model = scriptedProvider([
      { text: firstReply, usage: { inputTokens: 500, outputTokens: 800 } },
      { text: reply({ 'calc.py': FIXED_CALC }), usage: { inputTokens: 900, outputTokens: 100 } },
    ]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 3, maxCost: 0.03, maxTokens: 1000 }), makeDeps(model, { price: PRICE }));
    expect(result.exitCode).toBe(0);
    expect(model.calls).toHaveLength(2);
    expect(model.calls[1]!.opts.maxTokens).toBe(1000);
  });

  it('with --max-cost and no known price, stops before the first call rather than spend blind', async () => {
    const model = scriptedProvider([{ text: firstReply }]);
    const { result } = await runToResult(generateOptions(tmp.out, { maxCost: 1 }), makeDeps(model, { price: null }));
    expect(result.exitCode).toBe(2);
    expect(model.calls).toHaveLength(0);
    expect(result.error).toMatchObject({ code: 'budget_exceeded' });
    expect(result.error!.message).toContain('the price of scripted-model is unknown');
  });

  it('a repair round may rewrite what ptc wrote, but not a file that was there before (without --force)', async () => {
    mkdirSync(tmp.out, { recursive: true });
    writeFileSync(join(tmp.out, 'notes.py'), 'MINE = 1\n');
    const model = scriptedProvider([
      { text: firstReply },
      { text: reply({ 'calc.py': FIXED_CALC, 'notes.py': 'MINE = 2\n' }) },
    ]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 1 }), makeDeps(model));
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(tmp.out, 'notes.py'), 'utf8')).toBe('MINE = 1\n');
    expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toBe(FIXED_CALC);
    expect(result.warnings!.some((w) => w.startsWith('round 1: refused "notes.py": an existing file ptc did not write'))).toBe(true);
  });

  it('a repair reply cut off at the token limit is not applied, and the loop stops', async () => {
    const model = scriptedProvider([
      { text: firstReply },
      { text: '```python path=calc.py\ndef add(a, b):\n    return a +', stopReason: 'length', usage: { outputTokens: 50 } },
    ]);
    const { result } = await runToResult(generateOptions(tmp.out, { fix: 2, maxTokens: 50 }), makeDeps(model));
    expect(result.exitCode).toBe(1);
    expect(model.calls).toHaveLength(2);
    expect(result.stopReason).toContain('round 1: the reply was cut off at the token limit (50 output tokens)');
    expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toBe(BUGGY_CALC);
  });

  it('an interrupt during a repair call cleans up the sandbox and reports the interruption', async () => {
    const abort = new AbortController();
    const model = scriptedProvider([
      { text: firstReply },
      {
        text: reply({ 'calc.py': FIXED_CALC }),
        before: () => abort.abort(new InterruptedError('SIGINT')),
      },
    ]);
    const h = makeDeps(model, { signal: abort.signal });
    const { result, error } = await runToResult(generateOptions(tmp.out, { fix: 2 }), h);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(result.exitCode).toBe(130);
    expect(h.sandboxes).toHaveLength(1);
    expect(h.sandboxes[0]!.disposed).toBe(1);
    expect(existsSync(h.sandboxes[0]!.root)).toBe(false);
    expect(h.pendingCleanups.size).toBe(0);
    expect(readFileSync(join(tmp.out, 'calc.py'), 'utf8')).toBe(BUGGY_CALC);
  });
});
