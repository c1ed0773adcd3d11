import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { DEMO_PLUGIN_FILES, DEMO_PLUGIN_TEST } from '../fixtures/pytest-plugin.js';
import { makeSandbox, ROOT, runPtc, type Sandbox } from './harness.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

/** A project whose one test needs the fixture of a pytest plugin installed next to it. */
function writeDemoPluginProject(dir: string): void {
  for (const [path, content] of Object.entries(DEMO_PLUGIN_FILES)) sb.write(`${dir}/${path}`, content);
  sb.write(`${dir}/test_plug.py`, DEMO_PLUGIN_TEST);
}

it('the README\'s first example: the Python sample reply, applied and run with no key', async () => {
  const r = await runPtc(['apply', join(ROOT, 'examples/replies/prime-python.md'), '--run', '--json'], { cwd: sb.cwd, env: sb.env });
  expect(r.code).toBe(0);
  const result = resultSchema.parse(JSON.parse(r.stdout));
  // The default folder is named after the reply file (language words dropped).
  expect(result.outDir).toBe(join(sb.cwd, 'prime'));
  expect(result.tests).toMatchObject({ ran: true, sandbox: 'local', failed: 0, errors: 0 });
  expect(result.tests!.passed).toBeGreaterThan(0);
  expect(existsSync(join(sb.cwd, 'prime', '.ptc', 'manifest.json'))).toBe(true);
});

it('a TypeScript reply runs under node --test without --lang: the language comes from its files', async () => {
  const r = await runPtc(['apply', join(ROOT, 'examples/replies/slugify-typescript.md'), '--out', 'slug', '--run', '--json'], { cwd: sb.cwd, env: sb.env });
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout);
  expect(result.tests).toMatchObject({ ran: true, passed: 9, failed: 0 });
  expect(result.tests.cases.every((c: { file: string }) => c.file === 'slugify.test.ts')).toBe(true);
});

it('reads the reply from stdin with "-"', async () => {
  const reply = '```python path=m.py\nx = 2\n```\n\n```python path=test_m.py\nfrom m import x\n\ndef test_x():\n    assert x == 3\n```\n';
  const r = await runPtc(['apply', '-', '--out', 'm', '--run'], { cwd: sb.cwd, env: sb.env, input: reply });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('✗ test_x (test_m.py)');
  expect(r.stdout).toContain('assert 2 == 3');
});

it('`local.pytestPlugins: all` in the rc file loads the host python\'s plugins, which ptc run leaves out by default', async () => {
  writeDemoPluginProject('proj');

  const plain = await runPtc(['run', 'proj', '--json'], { cwd: sb.cwd, env: sb.env });
  expect(plain.code).toBe(1);
  expect(JSON.parse(plain.stdout).tests).toMatchObject({ passed: 0, errors: 1 });
  // The runner's note reaches scripts in the result, not only people on stderr.
  expect(JSON.parse(plain.stdout).warnings.join('\n')).toMatch(/fixture 'demo_value' not found.*local\.pytestPlugins: all/);

  sb.write('.ptcrc.json', JSON.stringify({ local: { pytestPlugins: 'all' } }));
  const all = await runPtc(['run', 'proj', '--json'], { cwd: sb.cwd, env: sb.env });
  expect(all.code).toBe(0);
  expect(JSON.parse(all.stdout).tests).toMatchObject({ passed: 1, errors: 0 });
});

it('ptc run takes the packages a project declares in requirements.txt, and loads their pytest plugins', async () => {
  writeDemoPluginProject('proj');
  sb.write('proj/requirements.txt', '# the plugin the tests use\nptcdemo-plug>=1.0\n');
  const r = await runPtc(['run', 'proj', '--json'], { cwd: sb.cwd, env: sb.env });
  expect(r.code).toBe(0);
  const tests = JSON.parse(r.stdout).tests;
  expect(tests).toMatchObject({ passed: 1, errors: 0 });
  expect(tests.install).toMatchObject({ packages: ['ptcdemo-plug>=1.0'], ok: true });

  // The same package declared in pyproject.toml instead (a PEP 735 test group).
  writeDemoPluginProject('proj2');
  sb.write('proj2/pyproject.toml', '[project]\nname = "demo"\nversion = "0"\n\n[dependency-groups]\ntest = ["ptcdemo-plug"]\n');
  const r2 = await runPtc(['run', 'proj2', '--json'], { cwd: sb.cwd, env: sb.env });
  expect(r2.code).toBe(0);
  expect(JSON.parse(r2.stdout).tests).toMatchObject({ passed: 1, errors: 0, install: { packages: ['ptcdemo-plug'] } });
});

it('an --out under /proc fails at once with a one-line error (Node\'s recursive mkdir would spin there for ever)', async () => {
  const r = await runPtc(['apply', join(ROOT, 'examples/replies/prime-python.md'), '--out', '/proc/ptc-no-such/x', '--json'], {
    cwd: sb.cwd,
    env: sb.env,
    timeoutMs: 15_000,
  });
  expect(r.signal).toBeNull(); // not killed by the harness's timeout
  expect(r.code).not.toBe(0);
  const doc = JSON.parse(r.stdout);
  expect(doc.error.message).toMatch(/\/proc\/ptc-no-such/);
  expect(doc.error.message.split('\n')).toHaveLength(1);
  // Nothing was written, and neither the result nor the human report says otherwise.
  expect(doc.files).toEqual([]);
  const human = await runPtc(['apply', join(ROOT, 'examples/replies/prime-python.md'), '--out', '/proc/ptc-no-such/x'], {
    cwd: sb.cwd,
    env: sb.env,
    timeoutMs: 15_000,
  });
  expect(human.stdout).not.toContain('wrote');
  expect(human.stderr).toContain('nothing was written');
});

it("ptc run shows a JS project's installed node_modules to its tests, read-only", async () => {
  sb.write('web/node_modules/left-pad/package.json', JSON.stringify({ name: 'left-pad', version: '1.3.0', main: 'index.js' }));
  sb.write('web/node_modules/left-pad/index.js', "module.exports = (s, n, c = ' ') => String(s).padStart(n, c);\n");
  sb.write('web/package.json', JSON.stringify({ name: 'web', type: 'module', dependencies: { 'left-pad': '^1.3.0' } }));
  sb.write(
    'web/pad.test.js',
    [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "import { writeFileSync } from 'node:fs';",
      "import leftPad from 'left-pad';",
      "test('pads', () => assert.equal(leftPad('7', 3, '0'), '007'));",
      "test('cannot change the installed packages', () => {",
      "  assert.throws(() => writeFileSync('node_modules/left-pad/index.js', 'hacked'), /EROFS|read-only/);",
      '});',
    ].join('\n'),
  );
  const r = await runPtc(['run', 'web', '--json'], { cwd: sb.cwd, env: sb.env });
  const tests = JSON.parse(r.stdout).tests;
  expect(tests).toMatchObject({ passed: 2, failed: 0, errors: 0, problem: null, install: { packages: ['left-pad'], ok: true } });
  expect(r.code).toBe(0);
});

// The README's guarantee: zero tests collected is a failure (exit 1), whichever way it comes about.
it('zero tests collected exits 1: a test file with no test functions, a folder with no test file, a reply with none', async () => {
  sb.write('empty/calc.py', 'def add(a, b):\n    return a + b\n');
  sb.write('empty/test_calc.py', 'from calc import add\n\n# no test functions here\n');
  const noCases = await runPtc(['run', 'empty', '--json'], { cwd: sb.cwd, env: sb.env });
  expect(noCases.code).toBe(1);
  const doc = resultSchema.parse(JSON.parse(noCases.stdout));
  expect(doc).toMatchObject({ ok: false, exitCode: 1, tests: { ran: true, passed: 0, failed: 0 } });
  expect(doc.tests!.problem).toMatch(/^no tests were collected/);

  sb.write('none/calc.py', 'def add(a, b):\n    return a + b\n');
  const noFiles = await runPtc(['run', 'none', '--json'], { cwd: sb.cwd, env: sb.env });
  expect(noFiles.code).toBe(1);
  expect(JSON.parse(noFiles.stdout)).toMatchObject({ ok: false, exitCode: 1, error: { code: 'no_tests' } });

  const codeOnly = '```python path=calc.py\ndef add(a, b):\n    return a + b\n```\n';
  const applied = await runPtc(['apply', '-', '--out', 'c', '--run', '--json'], { cwd: sb.cwd, env: sb.env, input: codeOnly });
  expect(applied.code).toBe(1);
  expect(JSON.parse(applied.stdout).tests.problem).toMatch(/^no tests were collected/);
});
