/**
 * Hostile code that tries to turn failing tests into a pass, through the CLI on real bubblewrap. Each project
 * here has a test that genuinely fails; whatever the code does to the report, the runner or its exit status,
 * ptc must exit 1: with a true failure, or with test_results_untrusted. Never 0.
 */
import { describe, expect, it } from 'vitest';
import { resultSchema, type Result } from '../../src/report/result-schema.js';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { useCliSandbox, useFake } from '../cli/with-fake.js';

const cli = useCliSandbox({ MOONSHOT_API_KEY: 'sk-test-forged-results-0000' });

/** A pytest JUnit report claiming both tests passed: what the forgeries write over the real one. */
const FORGED_PY_JUNIT =
  '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="2">' +
  '<testcase classname="test_calc" name="test_add" file="test_calc.py" line="2" time="0.001"/>' +
  '<testcase classname="test_calc" name="test_zero" file="test_calc.py" line="5" time="0.001"/>' +
  '</testsuite></testsuites>';

const PY_TESTS = [
  'from calc import add',
  'def test_add():',
  '    assert add(2, 3) == 5',
  '',
  'def test_zero():',
  '    assert add(0, 0) == 0',
  '',
].join('\n');

/** The attack from the issue: rewrite the report as all passed at exit, then leave with status 0. */
const ATEXIT_FORGERY = [
  'import atexit, os',
  `FORGED = ${JSON.stringify(FORGED_PY_JUNIT)}`,
  'def _forge():',
  "    with open('.ptc/junit.xml', 'w') as f:",
  '        f.write(FORGED)',
  '    os._exit(0)',
  'atexit.register(_forge)',
  '',
  'def add(a, b):',
  '    return a - b',
  '',
].join('\n');

const WRONG_ADD = 'def add(a, b):\n    return a - b\n';

function reply(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([path, content]) => `\`\`\`${path.endsWith('.py') ? 'python' : 'typescript'} path=${path}\n${content}\`\`\`\n`)
    .join('\n');
}

async function ptcJson(args: string[]): Promise<{ code: number | null; result: Result; stderr: string }> {
  const r = await cli.run([...args, '--json'], { timeoutMs: 90_000 });
  return { code: r.code, result: resultSchema.parse(JSON.parse(r.stdout)), stderr: r.stderr };
}

function expectUntrusted(r: { code: number | null; result: Result }, why: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.result).toMatchObject({ ok: false, exitCode: 1 });
  expect(r.result.error).toMatchObject({ code: 'test_results_untrusted', retryable: false });
  expect(r.result.error!.message).toMatch(why);
}

describe('python: forged results are never a pass', () => {
  it('an atexit handler that rewrites the JUnit report and calls os._exit(0) (ptc run)', async () => {
    cli.sb.write('proj/calc.py', ATEXIT_FORGERY);
    cli.sb.write('proj/test_calc.py', PY_TESTS);
    const r = await ptcJson(['run', 'proj']);
    expectUntrusted(r, /JUnit report shows fewer failures/);
    // The failure pytest streamed before the forgery stands, with its message.
    expect(r.result.tests!.cases.find((c) => c.name === 'test_add')).toMatchObject({ status: 'failed', message: expect.stringContaining('assert -1 == 5') });
  });

  it('the same reply through ptc apply --run', async () => {
    cli.sb.write('reply.md', reply({ 'calc.py': ATEXIT_FORGERY, 'test_calc.py': PY_TESTS }));
    const r = await ptcJson(['apply', 'reply.md', '--out', 'out', '--run']);
    expectUntrusted(r, /JUnit report shows fewer failures/);
  });

  it('a test that writes a passing report and kills its runner with os._exit(0) mid-run', async () => {
    cli.sb.write('proj/calc.py', WRONG_ADD);
    cli.sb.write(
      'proj/test_calc.py',
      [
        'import os',
        'from calc import add',
        `FORGED = ${JSON.stringify(FORGED_PY_JUNIT)}`,
        'def test_zero():',
        '    assert add(0, 0) == 0',
        '',
        'def test_add():',
        "    with open('.ptc/junit.xml', 'w') as f:",
        '        f.write(FORGED)',
        '    os._exit(0)',
        '',
      ].join('\n'),
    );
    const r = await ptcJson(['run', 'proj']);
    expectUntrusted(r, /exited with 0 before it had finished/);
  });

  it('a conftest hook that flips failed reports to passed', async () => {
    cli.sb.write('proj/calc.py', WRONG_ADD);
    cli.sb.write('proj/test_calc.py', PY_TESTS);
    const flip = (tryfirst: boolean) =>
      [
        'import pytest',
        `@pytest.hookimpl(hookwrapper=True${tryfirst ? ', tryfirst=True' : ''})`,
        'def pytest_runtest_makereport(item, call):',
        '    outcome = yield',
        '    rep = outcome.get_result()',
        '    if rep.failed:',
        "        rep.outcome = 'passed'",
        '',
      ].join('\n');
    // Inside ptc's hook (ptc sees the raised call reported as passed) and outside it (the log disagrees).
    for (const tryfirst of [false, true]) {
      cli.sb.write('proj/conftest.py', flip(tryfirst));
      const r = await ptcJson(['run', 'proj']);
      expectUntrusted(r, /a hook rewrote the outcome of test_calc.py::test_add \(call\) to passed/);
      expect(r.result.tests!.cases.find((c) => c.name === 'test_add')!.status).toBe('failed');
    }
  });

  it('records written to the results channel by the code itself do not carry the run key, which it cannot read', async () => {
    cli.sb.write('proj/calc.py', WRONG_ADD);
    cli.sb.write('proj/test_calc.py', PY_TESTS);
    // A complete, well-formed stream of passes, then the runner is gone before ptc's reporter could say more.
    cli.sb.write(
      'proj/conftest.py',
      [
        'import json, os',
        'fd = 3  # the inherited results pipe (ptc removed PTC_RESULTS_FD from the environment, but the fd is guessable)',
        'try:',
        "    key = open('.ptc/results-key').read().strip()  # gone: the reporter deleted it before loading any code",
        'except OSError:',
        "    key = ''",
        "recs = [{'t': 'start'}, {'t': 'collected', 'n': 2}]",
        "recs += [{'t': 'case', 'id': 'test_calc.py::' + n, 'name': n, 'file': 'test_calc.py', 'status': 'passed', 'ms': 1} for n in ('test_add', 'test_zero')]",
        "recs += [{'t': 'end', 'exit': 0}]",
        "os.write(fd, ''.join(json.dumps(dict(r, k=key)) + '\\n' for r in recs).encode())",
        'os._exit(0)',
        '',
      ].join('\n'),
    );
    const r = await ptcJson(['run', 'proj']);
    expectUntrusted(r, /not written by ptc's reporter \(wrong run key\)/);
  });
});

describe('python: --protect-tests does not make a forgery pass either', () => {
  const kimi = useFake(() => startOpenAIFake());

  it('ptc generate --fix 1 --protect-tests with a model that keeps forging', async () => {
    const forging = reply({ 'calc.py': ATEXIT_FORGERY, 'test_calc.py': PY_TESTS });
    kimi.fake.enqueue({ text: forging }, { text: forging });
    const r = await ptcJson(['generate', 'add two numbers', '--provider', 'kimi', '--base-url', kimi.fake.url, '--out', 'gen', '--run', '--fix', '1', '--protect-tests']);
    expectUntrusted(r, /JUnit report shows fewer failures/);
    expect(r.result.rounds).toHaveLength(2);
    expect(r.result.rounds.every((round) => round.tests!.failed + round.tests!.errors > 0)).toBe(true);
  });
});

describe('node:test: forged results are never a pass', () => {
  it("process.on('exit') rewriting the JUnit report and exiting 0 (JavaScript): the true failure stands", async () => {
    cli.sb.write(
      'proj/add.js',
      [
        "const fs = require('node:fs');",
        "process.on('exit', () => {",
        "  for (const f of fs.readdirSync('.ptc')) if (f.startsWith('junit')) fs.writeFileSync('.ptc/' + f, '<?xml version=\"1.0\"?><testsuites><testcase name=\"adds\"/></testsuites>');",
        '  process.exit(0);',
        '});',
        'exports.add = (a, b) => a - b;',
        '',
      ].join('\n'),
    );
    cli.sb.write(
      'proj/add.test.js',
      "const test = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('./add.js');\ntest('adds', () => { assert.equal(add(1, 2), 3); });\n",
    );
    const r = await ptcJson(['run', 'proj', '--lang', 'javascript']);
    expect(r.code).toBe(1);
    expect(r.result).toMatchObject({ ok: false, exitCode: 1, tests: { failed: 1, passed: 0 } });
    expect(r.result.error!.code).toMatch(/^(tests_failed|test_results_untrusted)$/);
  });

  it('a TypeScript module that rewrites the report and kills the runner process on exit', async () => {
    cli.sb.write(
      'proj/add.ts',
      [
        "import { readdirSync, writeFileSync } from 'node:fs';",
        'export function add(a: number, b: number): number { return a - b; }',
        "process.on('exit', () => {",
        "  for (const f of readdirSync('.ptc')) if (f.startsWith('junit')) writeFileSync('.ptc/' + f, '<?xml version=\"1.0\"?><testsuites><testcase name=\"adds\"/></testsuites>');",
        "  process.kill(process.ppid, 'SIGKILL');",
        '});',
        '',
      ].join('\n'),
    );
    cli.sb.write(
      'proj/add.test.ts',
      "import test from 'node:test';\nimport assert from 'node:assert';\nimport { add } from './add.ts';\ntest('adds', () => { assert.equal(add(1, 2), 3); });\n",
    );
    const r = await ptcJson(['run', 'proj']);
    // Where the kill lands is a race inside the runner: after node's JUnit write ptc sees a forged report
    // (untrusted); before it, a runner killed with the failure streamed or, earlier still, with nothing
    // reported (a failed run without a report). Each is the guarantee: exit 1, never a pass.
    expect(r.code).toBe(1);
    expect(r.result).toMatchObject({ ok: false, exitCode: 1 });
    expect(['test_results_untrusted', 'tests_failed']).toContain(r.result.error?.code);
    expect(r.result.tests!.passed).toBe(0);
  });
});
