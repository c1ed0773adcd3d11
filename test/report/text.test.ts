import { expect, it } from 'vitest';
import { finishResult, newDraft } from '../../src/report/build.js';
import { renderResult } from '../../src/report/text.js';
import type { TestCase } from '../../src/types.js';
import { plainColors } from '../../src/ui/color.js';

function withCases(cases: TestCase[]) {
  const draft = newDraft('run');
  draft.outDir = '/tmp/x';
  draft.tests = {
    ran: true,
    sandbox: 'local',
    passed: 0,
    failed: cases.length,
    errors: 0,
    skipped: 0,
    durationMs: 200,
    cases,
    runner: 'pytest',
    install: null,
    output: '',
    problem: null,
  };
  return renderResult(finishResult(draft, null), { color: plainColors, planText: null, cwd: '/tmp' });
}

const failed = (name: string, message: string): TestCase => ({ name, file: 'test_prime.py', status: 'failed', durationMs: 1, message });

it("shows each failure on one line, with pytest's `where` when the assertion alone says little", () => {
  const text = withCases([
    failed('test_small', 'assert False\n +  where False = is_prime(2)\ntest_prime.py:4: AssertionError'),
    failed('test_eq', 'assert 4 == 5\ntest_prime.py:9: AssertionError'),
  ]);
  expect(text).toContain('✗ test_small (test_prime.py)\n      assert False  (where False = is_prime(2))');
  expect(text).toContain('✗ test_eq (test_prime.py)\n      assert 4 == 5');
  expect(text).not.toContain('assert 4 == 5  (');
});

it('says whether the dependencies were ready, without claiming an install the local sandbox never makes', () => {
  const draft = newDraft('run');
  draft.tests = {
    ran: true, sandbox: 'local', passed: 1, failed: 0, errors: 0, skipped: 0, durationMs: 10, cases: [],
    runner: 'pytest', install: { packages: ['numpy', 'requests'], ok: true, output: null }, output: '', problem: null,
  };
  const render = () => renderResult(finishResult(draft, null), { color: plainColors, planText: null, cwd: '/tmp' });
  expect(render()).toContain('dependencies ready: numpy requests');
  draft.tests.install = { packages: ['numpy'], ok: false, output: null };
  expect(render()).toContain('dependencies not available: numpy');
});

it('shows a cost of a cent and a half with its digits, and says where it came from', () => {
  const draft = newDraft('generate');
  draft.provider = 'anthropic';
  draft.model = 'claude-haiku-4-5';
  draft.usage = { inputTokens: 1000, outputTokens: 2000, cacheReadTokens: 0, cacheWriteTokens: 0 };
  draft.cost = { usd: 0.0123, source: 'catalog' };
  const text = renderResult(finishResult(draft, null), { color: plainColors, planText: null, cwd: '/tmp' });
  expect(text).toContain('anthropic/claude-haiku-4-5: 1000 in · 2000 out · $0.0123 (catalog estimate)');
});
