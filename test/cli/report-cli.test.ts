import { expect, it } from 'vitest';
import { useFakeCli } from './with-fake.js';

const cli = useFakeCli({ env: { MOONSHOT_API_KEY: 'fake-report-key' } });

const TEST_CALC = 'from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n';

it('shows a syntax error that stopped collection under the failing item, caret in place, and the next step', async () => {
  cli.sb.write('calc.py', 'def add(a, b)\n    return a + b\n');
  cli.sb.write('test_calc.py', TEST_CALC);
  const r = await cli.run(['run', '.']);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain(
    [
      '  ✗ test_calc (test_calc.py) collection failure',
      '      File "calc.py", line 1',
      '      def add(a, b)',
      '                   ^',
      "      SyntaxError: expected ':'",
    ].join('\n'),
  );
  expect(r.stderr).toContain('next: fix the code, then `ptc run .`');
});

it('shows the import error that stopped collection', async () => {
  cli.sb.write('calc.py', 'import numpyz_not_there\n\ndef add(a, b):\n    return a + b\n');
  cli.sb.write('test_calc.py', TEST_CALC);
  const r = await cli.run(['run', '.']);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/✗ test_calc \(test_calc\.py\) collection failure\n {6}ModuleNotFoundError: No module named 'numpyz_not_there'\n/);
});

it("shows where TypeScript does not compile, in the compiler's words, under the test file that failed to load", async () => {
  cli.sb.write('calc.ts', 'export function add(a: number, b: number): number {\n  return a +\n}\n');
  cli.sb.write(
    'calc.test.ts',
    'import { test } from "node:test";\nimport assert from "node:assert";\nimport { add } from "./calc.ts";\ntest("add", () => { assert.equal(add(1, 2), 3); });\n',
  );
  const r = await cli.run(['run', '.', '--lang', 'typescript']);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/✗ calc\.test\.ts \(calc\.test\.ts\)\n {6}calc\.ts:3:1 error TS1109: Expression expected\.\n/);
});

it('after generated tests fail, names the step that helps: more repair rounds, or fixing by hand and `ptc run`', async () => {
  cli.fake.enqueue({
    text: ['```python path=calc.py', 'def add(a, b):', '    return a - b', '```', '', '```python path=test_calc.py', TEST_CALC, '```'].join('\n'),
  });
  const r = await cli.run(['generate', 'add two numbers', '-p', 'kimi', '--base-url', cli.fake.url, '--out', 'calc', '--run', '--fix', '0']);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('✗ test_add (test_calc.py)');
  expect(r.stderr).toMatch(/\nnext: retry with `--fix 2`, or fix the code and `ptc run \.\/calc`\n$/);
  // One next step, not one per failure.
  expect(r.stderr.match(/next:/g)).toHaveLength(1);
});
