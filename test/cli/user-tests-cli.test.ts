/**
 * The user's own tests through the built CLI, the real openai SDK against the loopback fake, and the local
 * bubblewrap sandbox: acceptance tests shown and protected, hidden tests never in any request, context files the
 * code imports. Needs `npm run build` first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { useFakeCli } from './with-fake.js';
import { reply } from '../core/harness.js';

const cli = useFakeCli({ perTest: true });

const provider = () => ['--provider', 'openai-compatible', '--base-url', cli.fake.url, '--model', 'fake-model'];
const chatBodies = () => cli.fake.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => JSON.stringify(r.body));

const ACCEPTANCE = 'from calc import add\n\n\ndef test_acceptance_sum():\n    assert add(2, 3) == 5  # ACCEPTANCE-MARK\n';
const HIDDEN_NAME = 'zz_secret_probe_test.py';
const HIDDEN = 'from calc import add\n\n\ndef test_big_numbers_quietly():\n    assert add(10**6, 1) == 1000001  # HIDDEN-MARK-7f3a\n';
const OWN_TEST = 'from calc import add\n\n\ndef test_small():\n    assert add(0, 0) == 0\n';
/** Right for small numbers only: its own tests and the acceptance test pass, the hidden one does not. */
const SMALL_ONLY = 'def add(a, b):\n    return a + b if abs(a) < 1000 else 0\n';

describe('ptc generate --tests / --hidden-tests', { timeout: 120_000 }, () => {
  it('shows the acceptance test, never the hidden one; a rewrite or a neutering conftest.py is refused; hidden failures exit 1', async () => {
    cli.sb.write('test_acceptance.py', ACCEPTANCE);
    cli.sb.write(`spec/${HIDDEN_NAME}`, HIDDEN);
    cli.fake.enqueue(
      // Round 0: wrong code, its own passing test, a rewritten acceptance test and a conftest.py that skips the user's.
      {
        text: reply({
          'calc.py': 'def add(a, b):\n    return a - b\n',
          'test_calc.py': OWN_TEST,
          'test_acceptance.py': 'def test_acceptance_sum():\n    assert True\n',
          'conftest.py':
            'import pytest\n\n\n@pytest.fixture(autouse=True)\ndef neuter(request):\n    if "acceptance" in request.node.nodeid:\n        pytest.skip("no")\n',
        }),
      },
      // Round 1: the acceptance test passes now; the hidden one still fails.
      { text: reply({ 'calc.py': SMALL_ONLY }) },
      // Round 2: the same again: nothing changes, repairing stops.
      { text: reply({ 'calc.py': SMALL_ONLY }) },
    );
    const r = await cli.run(
      ['generate', 'a function add(a, b)', ...provider(), '--out', 'out', '--run', '--fix', '2', '--json', '--tests', 'test_acceptance.py', '--hidden-tests', 'spec'],
      { timeoutMs: 110_000 },
    );
    expect(r.code, r.stderr).toBe(1);
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.ok).toBe(false);
    expect(result.tests!.byOrigin).toEqual({
      generated: { passed: 1, failed: 0, errors: 0, skipped: 0, total: 1 },
      acceptance: { passed: 1, failed: 0, errors: 0, skipped: 0, total: 1 },
      hidden: { passed: 0, failed: 1, errors: 0, skipped: 0, total: 1 },
    });
    expect(result.error?.message).toBe("the model's own tests passed; 1 of your 1 hidden test failed");
    // The user owns the hidden tests: their names are in the result.
    expect(result.tests!.cases.find((c) => c.origin === 'hidden')).toMatchObject({ name: 'test_big_numbers_quietly', file: `spec/${HIDDEN_NAME}`, status: 'failed' });
    // Round 0: the refused rewrite and conftest.py did not make the acceptance test pass.
    expect(result.rounds[0]!.tests!.byOrigin!.acceptance).toMatchObject({ failed: 1, total: 1 });
    expect(result.refused?.map((x) => x.path).sort()).toEqual(['conftest.py', 'test_acceptance.py']);
    expect(readFileSync(join(cli.sb.cwd, 'test_acceptance.py'), 'utf8')).toBe(ACCEPTANCE);
    expect(existsSync(join(cli.sb.cwd, 'out', 'conftest.py'))).toBe(false);
    expect(existsSync(join(cli.sb.cwd, 'out', 'test_acceptance.py'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(cli.sb.cwd, 'out', '.ptc', 'manifest.json'), 'utf8'));
    expect(manifest.userTests.map((u: { origin: string; path: string }) => `${u.origin}:${u.path}`)).toEqual(['acceptance:test_acceptance.py', `hidden:spec/${HIDDEN_NAME}`]);

    const bodies = chatBodies();
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toContain('ACCEPTANCE-MARK');
    expect(bodies[0]).toContain('Acceptance tests: the specification');
    // Round 1's request: the acceptance failure first; rounds 1 and 2: the hidden failure as a count only.
    expect(bodies[1]).toContain('FAILED: test_acceptance_sum (test_acceptance.py)');
    expect(bodies[2]).toContain('1 hidden test failed');
    for (const body of bodies) {
      for (const secret of ['HIDDEN-MARK', HIDDEN_NAME, 'zz_secret_probe', 'test_big_numbers_quietly', '1000001']) expect(body).not.toContain(secret);
    }
  });

  it('a prompt over the context budget is a usage error before any request', async () => {
    cli.sb.write('big.py', `DATA = "${'x'.repeat(120 * 1024)}"\n`);
    const r = await cli.run(['generate', 'use the data', ...provider(), '--out', 'out', '--context', 'big.py', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'context_too_large', hint: expect.stringContaining('raise limits.contextBytes') });
    expect(chatBodies()).toHaveLength(0);
  });
});

describe('ptc generate --context --force', () => {
  it('lets the reply overwrite a context file and shows the change as a diff', async () => {
    cli.sb.write('lib/units.py', 'CM_PER_INCH = 2.54\nMM_PER_CM = 10\n');
    cli.fake.enqueue({ text: reply({ 'lib/units.py': 'CM_PER_INCH = 2.54\nMM_PER_CM = 10\nKM_PER_MILE = 1.609\n', 'convert.py': 'from lib.units import CM_PER_INCH\n' }) });
    const r = await cli.run(['generate', 'add miles', ...provider(), '--out', '.', '--context', 'lib/units.py', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--force: the reply overwrote the context file lib/units.py:');
    expect(r.stderr).toContain('+KM_PER_MILE = 1.609');
    expect(r.stderr).toContain(' MM_PER_CM = 10');
    expect(readFileSync(join(cli.sb.cwd, 'lib/units.py'), 'utf8')).toContain('KM_PER_MILE');
  });
});

describe('ptc generate --context (TypeScript)', { timeout: 120_000 }, () => {
  it('the model sees the user module, the generated code imports it, and the acceptance and hidden tests pass', async () => {
    // A JavaScript module of the project, imported from TypeScript: it must be in the sandbox as it is.
    cli.sb.write('lib/units.js', 'export const CM_PER_INCH = 2.54; // CONTEXT-MARK\n');
    cli.sb.write('convert.test.ts', "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { toCm } from './convert.ts';\n\ntest('one inch', () => {\n  assert.equal(toCm(1), 2.54);\n});\n");
    cli.sb.write('hidden/zero.test.ts', "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { toCm } from '../convert.ts';\n\ntest('zero stays zero', () => {\n  assert.equal(toCm(0), 0);\n});\n");
    const ts = (path: string, content: string) => `\`\`\`typescript path=${path}\n${content}\`\`\``;
    cli.fake.enqueue({
      text: [
        ts('convert.ts', "import { CM_PER_INCH } from './lib/units.js';\n\nexport function toCm(inches: number): number {\n  return inches * CM_PER_INCH;\n}\n"),
        ts('convert.own.test.ts', "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { toCm } from './convert.ts';\n\ntest('ten inches', () => {\n  assert.equal(toCm(10), 25.4);\n});\n"),
        // Read-only without --force: the generated code runs against the user's own module.
        '```javascript path=lib/units.js\nexport const CM_PER_INCH = 1;\n```',
      ].join('\n\n'),
    });
    const r = await cli.run(
      ['generate', 'inches to cm', ...provider(), '-l', 'typescript', '--out', 'out', '--run', '--json', '--context', 'lib/units.js', '--tests', 'convert.test.ts', '--hidden-tests', 'hidden'],
      { timeoutMs: 110_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.tests!.byOrigin).toMatchObject({ generated: { passed: 1, total: 1 }, acceptance: { passed: 1, total: 1 }, hidden: { passed: 1, total: 1 } });
    expect(result.refused).toEqual([{ path: 'lib/units.js', reason: expect.stringContaining('--context: read-only') }]);
    expect(readFileSync(join(cli.sb.cwd, 'lib/units.js'), 'utf8')).toContain('CONTEXT-MARK');
    // The user's module reached the sandbox from memory: the output folder has no copy of it.
    expect(existsSync(join(cli.sb.cwd, 'out', 'lib'))).toBe(false);
    const [first] = chatBodies();
    expect(first).toContain('CONTEXT-MARK');
    expect(first).toContain('read-only context');
    expect(first).not.toContain('zero stays zero');
  });
});

/**
 * Which runs let the hidden tests share the visible tests' session: the last round (`--fix 0`, the last repair
 * round, each candidate with `--fix 0`, `ptc run`) does; a round a repair may follow does not when it fails. The
 * model's own test looks for the hidden file beside it: found means one session held both.
 */
const SESSION_HIDDEN = 'from calc import add\n\n\ndef test_hidden_sum():\n    assert add(2, 3) == 5\n';
const LOOKS_FOR_HIDDEN =
  'import os\nfrom calc import add\n\n\ndef test_small():\n    assert add(0, 0) == 0\n\n\n' +
  "def test_alone():\n    assert not os.path.exists('spec/test_zz_hidden.py')\n";
const WRONG_ADD = 'def add(a, b):\n    return a - b\n';
const RIGHT_ADD = 'def add(a, b):\n    return a + b\n';

const ownTests = (t: { byOrigin?: Record<string, { passed: number; failed: number }> } | null | undefined) => t?.byOrigin?.generated;

describe('hidden tests in the visible tests\' session', { timeout: 120_000 }, () => {
  it('--fix 1: round 0 (a repair may follow) runs the model\'s tests without them; the last round runs both in one session', async () => {
    cli.sb.write('spec/test_zz_hidden.py', SESSION_HIDDEN);
    cli.fake.enqueue({ text: reply({ 'calc.py': WRONG_ADD, 'test_calc.py': LOOKS_FOR_HIDDEN }) }, { text: reply({ 'calc.py': RIGHT_ADD }) });
    const r = await cli.run(['generate', 'add(a, b)', ...provider(), '--out', 'out', '--run', '--fix', '1', '--json', '--hidden-tests', 'spec'], { timeoutMs: 110_000 });
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.rounds).toHaveLength(2);
    expect(ownTests(result.rounds[0]!.tests)).toMatchObject({ passed: 2, failed: 0 });
    expect(result.rounds[0]!.tests!.byOrigin!.hidden).toMatchObject({ failed: 1 });
    expect(ownTests(result.tests)).toMatchObject({ passed: 1, failed: 1 });
    expect(result.tests!.byOrigin!.hidden).toMatchObject({ passed: 1, failed: 0 });
    expect(r.code).toBe(1);
    // The shared session's failure (test_alone saw the hidden file) is not what the repair request shows: it
    // carries the visible run alone, and of the hidden tests only a count.
    const repair = (JSON.parse(chatBodies()[1]!) as { messages: { content: string }[] }).messages.at(-1)!.content;
    expect(repair).toContain('1 hidden test failed');
    for (const secret of ['test_zz_hidden', 'test_hidden_sum', 'add(2, 3) == 5', 'test_alone']) expect(repair).not.toContain(secret);
  });

  it('--fix 0: the only round is the last, one session', async () => {
    cli.sb.write('spec/test_zz_hidden.py', SESSION_HIDDEN);
    cli.fake.enqueue({ text: reply({ 'calc.py': WRONG_ADD, 'test_calc.py': LOOKS_FOR_HIDDEN }) });
    const r = await cli.run(['generate', 'add(a, b)', ...provider(), '--out', 'out', '--run', '--fix', '0', '--json', '--hidden-tests', 'spec'], { timeoutMs: 110_000 });
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(ownTests(result.tests)).toMatchObject({ passed: 1, failed: 1 });
    expect(result.tests!.byOrigin!.hidden).toMatchObject({ passed: 0, failed: 1 });
  });

  it('--candidates 2 --fix 0: each candidate\'s run is the last, one session each', async () => {
    cli.sb.write('spec/test_zz_hidden.py', SESSION_HIDDEN);
    const wrong = { text: reply({ 'calc.py': WRONG_ADD, 'test_calc.py': LOOKS_FOR_HIDDEN }) };
    cli.fake.enqueue(wrong, wrong);
    const r = await cli.run(['generate', 'add(a, b)', ...provider(), '--out', 'out', '--run', '--fix', '0', '--candidates', '2', '--json', '--hidden-tests', 'spec'], { timeoutMs: 110_000 });
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.candidates).toHaveLength(2);
    expect(ownTests(result.tests)).toMatchObject({ passed: 1, failed: 1 });
    expect(result.tests!.byOrigin!.hidden).toMatchObject({ passed: 0, failed: 1 });
  });

  it('ptc run: no repair follows, one session', async () => {
    cli.sb.write('proj/calc.py', RIGHT_ADD);
    cli.sb.write('proj/test_calc.py', LOOKS_FOR_HIDDEN);
    cli.sb.write('proj/spec/test_zz_hidden.py', SESSION_HIDDEN);
    const r = await cli.run(['run', 'proj', '--json', '--hidden-tests', 'proj/spec'], { timeoutMs: 110_000 });
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(ownTests(result.tests)).toMatchObject({ passed: 1, failed: 1 });
    expect(result.tests!.byOrigin!.hidden).toMatchObject({ passed: 1, failed: 0 });
  });
});
