/** The repair message (bounded, in the syntax the reply parser accepts) and the test-removal guard. */
import { describe, expect, it } from 'vitest';
import { buildRepairMessage, measureTests, REPAIR_LIMITS, testsRemoved, trimTraceback, type RepairContext } from '../../src/core/repair.js';
import { parseReply } from '../../src/reply/parse.js';
import type { GeneratedFile, TestCase, TestReport } from '../../src/types.js';

const files: GeneratedFile[] = [
  { path: 'pkg/calc.py', content: 'def add(a, b):\n    return a - b\n', kind: 'code' },
  { path: 'tests/test_calc.py', content: 'def test_add():\n    assert add(2, 3) == 5\n', kind: 'test' },
];

function report(over: Partial<TestReport> = {}): TestReport {
  return {
    ran: true,
    sandbox: 'local',
    passed: 1,
    failed: 1,
    errors: 0,
    skipped: 0,
    durationMs: 10,
    cases: [{ name: 'test_add', file: 'tests/test_calc.py', status: 'failed', durationMs: 1, message: 'assert -1 == 5\ntests/test_calc.py:2: AssertionError' }],
    output: '1 failed, 1 passed in 0.01s\n',
    problem: null,
    install: null,
    ...over,
  };
}

const ctx = (over: Partial<RepairContext> = {}): RepairContext => ({ lang: 'python', tests: report(), files, protectTests: false, ...over });

describe('buildRepairMessage', () => {
  it('names each failing case with its message, then the output tail and the instructions', () => {
    const msg = buildRepairMessage(ctx());
    expect(msg).toContain('The tests failed: 1 passed, 1 failed, 0 errors, 0 skipped.');
    expect(msg).toContain('FAILED: test_add (tests/test_calc.py)\n```\nassert -1 == 5\ntests/test_calc.py:2: AssertionError\n```');
    expect(msg).toContain('1 failed, 1 passed in 0.01s');
    expect(msg).toContain("The project's files now are: pkg/calc.py, tests/test_calc.py.");
    expect(msg.indexOf('FAILED: test_add')).toBeLessThan(msg.indexOf('Fix the code'));
  });

  it('gives instructions the reply parser understands: a path in the fence, and an empty block marked deleted', () => {
    const msg = buildRepairMessage(ctx());
    const example = msg.match(/```python path=(\S+)\n<the whole file>\n```/);
    expect(example?.[1]).toBe('pkg/calc.py');
    const deletion = msg.match(/```python path=<file to delete> deleted\n```/);
    expect(deletion).not.toBeNull();

    // A reply written exactly as told: one changed file, one deleted file.
    const answer = `Fixed.\n\n\`\`\`python path=pkg/calc.py\ndef add(a, b):\n    return a + b\n\`\`\`\n\n${deletion![0].replace('<file to delete>', 'tests/test_old.py')}\n`;
    const parsed = parseReply(answer, { lang: 'python' });
    expect(parsed.files.map((f) => [f.path, f.content])).toEqual([['pkg/calc.py', 'def add(a, b):\n    return a + b\n']]);
    expect(parsed.deleted).toEqual(['tests/test_old.py']);
    expect(parsed.warnings).toEqual([]);
  });

  it('uses the language tag of the project (TypeScript)', () => {
    const ts: GeneratedFile[] = [
      { path: 'slug.ts', content: 'export const slug = (s: string) => s;\n', kind: 'code' },
      { path: 'slug.test.ts', content: "test('x', () => {});\n", kind: 'test' },
    ];
    const msg = buildRepairMessage(ctx({ lang: 'typescript', files: ts }));
    expect(msg).toContain('```typescript path=slug.ts\n<the whole file>\n```');
    const parsed = parseReply('```typescript path=slug.ts\nexport const slug = (s: string) => s.toLowerCase();\n```\n```typescript path=old.ts deleted\n```\n', { lang: 'typescript' });
    expect(parsed.files.map((f) => f.path)).toEqual(['slug.ts']);
    expect(parsed.deleted).toEqual(['old.ts']);
  });

  it('reports install errors and a problem with the run, with the output tail when no case says more', () => {
    const msg = buildRepairMessage(
      ctx({
        tests: report({
          passed: 0,
          failed: 0,
          cases: [],
          problem: 'no tests were collected: pytest exited with code 2',
          install: { packages: ['numpyy'], ok: false, output: 'ERROR: No matching distribution found for numpyy' },
          output: 'ImportError while importing test module tests/test_calc.py\nModuleNotFoundError: No module named numpyy\n',
        }),
      }),
    );
    expect(msg).toContain('Problem: no tests were collected: pytest exited with code 2');
    expect(msg).toContain('Installing numpyy failed:\n```\nERROR: No matching distribution found for numpyy\n```');
    expect(msg).toContain('ModuleNotFoundError: No module named numpyy');
  });

  it('stays bounded however much failed, and never cuts the instructions', () => {
    const longTrace = Array.from({ length: 400 }, (_, i) => `  frame ${i}: ${'x'.repeat(60)}`).join('\n');
    const cases: TestCase[] = Array.from({ length: 500 }, (_, i) => ({
      name: `test_case_${i}`,
      file: 'tests/test_calc.py',
      status: 'failed',
      durationMs: 1,
      message: `AssertionError: case ${i}\n${longTrace}\nE   assert ${i} == -1`,
    }));
    const msg = buildRepairMessage(ctx({ tests: report({ failed: 500, cases, output: 'y'.repeat(5_000_000) }) }));
    expect(msg.length).toBeLessThan(REPAIR_LIMITS.maxReport + 3000);
    expect(msg).toContain('FAILED: test_case_0');
    expect(msg).toContain(`FAILED: test_case_${REPAIR_LIMITS.maxCases - 1}`);
    expect(msg).not.toContain(`FAILED: test_case_${REPAIR_LIMITS.maxCases}\n`);
    expect(msg).toContain(`…and ${500 - REPAIR_LIMITS.maxCases} more failing tests not shown.`);
    expect(msg).toContain('E   assert 0 == -1'); // the end of a trimmed traceback survives
    expect(msg).toContain('Fix the code so that the tests pass.');
    expect(msg).toMatch(/never delete, skip or weaken a test to make it pass\.$/);
  });

  it('fences output that itself holds a fence, so it cannot end the block early', () => {
    const msg = buildRepairMessage(ctx({ tests: report({ cases: [], output: 'printed:\n```\nnot the end\n```\n' }) }));
    expect(msg).toContain('````\nprinted:\n```\nnot the end\n```\n````');
  });

  it('with --protect-tests names the fixed test files, and says which changes were ignored and what was refused', () => {
    const msg = buildRepairMessage(ctx({ protectTests: true, ignoredTestChanges: ['tests/test_calc.py'], refused: [{ path: '../x.py', reason: 'leaves the output directory' }] }));
    expect(msg).toContain('Your last reply changed the test files tests/test_calc.py. Those changes were ignored');
    expect(msg).toContain('The test files (tests/test_calc.py) are fixed');
    expect(msg).toContain('These files of your last reply were not written: ../x.py (leaves the output directory).');
    expect(msg).not.toContain('Change a test only if');
  });
});

describe('trimTraceback', () => {
  it('keeps the head and the tail of a long traceback', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const out = trimTraceback(text, 30, 10_000);
    expect(out.split('\n')).toHaveLength(31);
    expect(out.startsWith('line 0\n')).toBe(true);
    expect(out.endsWith('line 99')).toBe(true);
    expect(out).toContain('…[70 lines cut]');
  });

  it('leaves a short message alone', () => {
    expect(trimTraceback('assert 1 == 2')).toBe('assert 1 == 2');
  });
});

describe('the test-removal guard', () => {
  const py = (content: string): GeneratedFile => ({ path: 'test_x.py', content, kind: 'test' });

  it('counts pytest cases and assertions, and only in test files', () => {
    const m = measureTests([
      py('import pytest\n\ndef test_a():\n    assert f(1) == 2\n    assert f(2) == 3\n\nasync def test_b():\n    with pytest.raises(ValueError):\n        f(-1)\n\ndef helper():\n    pass\n'),
      { path: 'x.py', content: 'def test_not_a_test():\n    assert True\n', kind: 'code' },
    ]);
    expect(m).toEqual({ testFiles: 1, cases: 2, assertions: 3 });
  });

  it('counts node:test cases and assert calls', () => {
    const m = measureTests([
      {
        path: 'a.test.ts',
        content: "import assert from 'node:assert/strict';\ntest('a', () => {\n  assert.equal(f(1), 2);\n  assert.ok(g());\n});\nit(\"b\", () => { expect(h()).toBe(1); });\n",
        kind: 'test',
      },
    ]);
    expect(m).toEqual({ testFiles: 1, cases: 2, assertions: 3 });
  });

  it('says what a round took away, or null when it took nothing', () => {
    const before = { testFiles: 2, cases: 5, assertions: 9 };
    expect(testsRemoved(before, { testFiles: 2, cases: 6, assertions: 9 })).toBeNull();
    expect(testsRemoved(before, { testFiles: 2, cases: 5, assertions: 8 })).toBe('assertions 9 → 8');
    expect(testsRemoved(before, { testFiles: 1, cases: 3, assertions: 9 })).toBe('test files 2 → 1, test cases 5 → 3');
    expect(testsRemoved(before, { testFiles: 2, cases: 5, assertions: 9 }, ['test_old.py'])).toBe('deleted test_old.py');
  });
});

describe('buildRepairMessage with the user\'s tests', () => {
  const cases: TestCase[] = [
    { name: 'test_add', file: 'tests/test_calc.py', status: 'failed', durationMs: 1, message: 'assert -1 == 5', origin: 'generated' },
    { name: 'test_spec_sum', file: 'test_spec.py', status: 'failed', durationMs: 1, message: 'assert 9 == 10', origin: 'acceptance' },
    { name: 'test_secret_edge', file: 'hidden/test_secret.py', status: 'failed', durationMs: 1, message: 'SECRET-MESSAGE', origin: 'hidden' },
    { name: 'test_secret_ok', file: 'hidden/test_secret.py', status: 'passed', durationMs: 1, message: null, origin: 'hidden' },
  ];
  const tests = report({ cases, passed: 1, failed: 3, hiddenProblem: 'the user\'s test file hidden/test_secret.py reported SECRET-PROBLEM' });

  it('puts the acceptance failures first, counts only what the model may see, and says how many hidden tests failed', () => {
    const msg = buildRepairMessage(ctx({ tests, acceptance: ['test_spec.py'] }));
    expect(msg).toContain('The tests failed: 0 passed, 2 failed, 0 errors, 0 skipped.');
    expect(msg.indexOf('FAILED: test_spec_sum (test_spec.py)')).toBeLessThan(msg.indexOf('FAILED: test_add'));
    expect(msg).toContain('1 hidden test failed');
    expect(msg).toContain("The user's acceptance tests (test_spec.py) are fixed");
  });

  it('never names a hidden test, its file, its message or its run\'s problem', () => {
    const msg = buildRepairMessage(ctx({ tests, acceptance: ['test_spec.py'] }));
    for (const secret of ['test_secret', 'hidden/', 'SECRET-MESSAGE', 'SECRET-PROBLEM']) expect(msg).not.toContain(secret);
  });
});
