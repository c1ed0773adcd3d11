/**
 * Hidden tests in the runner: when no repair can follow (the last round), they run in the same session as the
 * visible tests, one interpreter start-up instead of two; when a repair may follow a failure, what the model is
 * shown comes from a run without them. Real local sandboxes (bubblewrap), pytest and node --test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRepairMessage } from '../../src/core/repair.js';
import type { Lang } from '../../src/languages/registry.js';
import { createLocalSandbox } from '../../src/sandbox/local.js';
import { runTestsIn, type RunTestsInput } from '../../src/sandbox/runner.js';
import type { Sandbox, TestReport } from '../../src/types.js';

// Keep ptc's host-python cache out of the real ~/.cache while testing.
process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'ptc-cache-'));

type RunFile = RunTestsInput['files'][number];

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sb) => sb.dispose()));
});

/** Runs `files` as the pipeline hands them over: every file but the hidden ones already in the sandbox. */
async function run(lang: Lang, files: RunFile[], lastRound: boolean): Promise<{ report: TestReport; sandbox: Sandbox }> {
  const sandbox = await createLocalSandbox({ isolation: 'bwrap' });
  open.push(sandbox);
  await sandbox.prepare(files.filter((f) => f.origin !== 'hidden').map((f) => ({ path: f.path, content: f.content })));
  const report = await runTestsIn(sandbox, { lang, files, dependencies: [], timeoutMs: 60_000, network: false, lastRound });
  return { report, sandbox };
}

/** pytest sessions started in the sandbox: the conftest appends a line at each start. */
async function sessions(sandbox: Sandbox): Promise<number> {
  const log = await sandbox.readFile('sessions.log');
  return log ? log.toString('utf8').split('\n').filter(Boolean).length : 0;
}

const repairMessage = (tests: TestReport, files: RunFile[]) =>
  buildRepairMessage({ lang: 'python', tests, files: files.filter((f) => f.origin === undefined), protectTests: false });

const py = {
  code: { path: 'calc.py', kind: 'code', content: 'def add(a, b):\n    return a + b\n' } as RunFile,
  conftest: {
    path: 'conftest.py',
    kind: 'code',
    content: "def pytest_sessionstart(session):\n    with open('sessions.log', 'a') as f:\n        f.write('session\\n')\n",
  } as RunFile,
  visible: { path: 'test_calc.py', kind: 'test', content: 'from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n' } as RunFile,
  hidden: (body: string): RunFile => ({ path: 'spec/test_secret.py', kind: 'test', origin: 'hidden', content: `from calc import add\n\n\n${body}` }),
};
const PY_HIDDEN_PASS = 'def test_secret_edge():\n    assert add(-1, 1) == 0\n';
const PY_HIDDEN_FAIL = 'def test_secret_edge():\n    assert add(2, 2) == 5, "SECRET_HIDDEN_MESSAGE"\n';

describe('hidden tests sharing the visible tests\' session: python', { timeout: 120_000 }, () => {
  it('the last round runs visible and hidden tests in one pytest session, the hidden cases marked hidden and their files taken out after', async () => {
    const files = [py.code, py.conftest, py.visible, py.hidden(PY_HIDDEN_FAIL)];
    const { report, sandbox } = await run('python', files, true);
    expect(await sessions(sandbox)).toBe(1);
    expect(report.cases.map((c) => `${c.origin}:${c.name}:${c.status}`).sort()).toEqual(['generated:test_add:passed', 'hidden:test_secret_edge:failed']);
    expect(report).toMatchObject({ passed: 1, failed: 1, problem: null, hiddenProblem: null });
    // Nothing of the hidden run stays behind: its file and the report that names its cases.
    expect(await sandbox.readFile('spec/test_secret.py')).toBeNull();
    expect(await sandbox.readFile('.ptc/junit.xml')).toBeNull();
  });

  it('a run that passes is one session even when a repair could follow', async () => {
    const { report, sandbox } = await run('python', [py.code, py.conftest, py.visible, py.hidden(PY_HIDDEN_PASS)], false);
    expect(await sessions(sandbox)).toBe(1);
    expect(report).toMatchObject({ passed: 2, failed: 0, problem: null, hiddenProblem: null });
    expect(report.cases.find((c) => c.name === 'test_secret_edge')?.origin).toBe('hidden');
  });

  it('when a repair may follow a failure, the visible tests run again alone: the model sees no hidden name, message or output', async () => {
    const files = [py.code, py.conftest, py.visible, py.hidden(PY_HIDDEN_FAIL)];
    const { report, sandbox } = await run('python', files, false);
    // Two sessions, and the log of the first, written while the hidden tests were there, cleared before the second.
    expect(await sessions(sandbox)).toBe(1);
    expect(report.cases.find((c) => c.name === 'test_secret_edge')).toMatchObject({ origin: 'hidden', status: 'failed' });
    expect(report.output).not.toContain('SECRET');
    expect(report.output).not.toContain('test_secret');
    const message = repairMessage(report, files);
    expect(message).toContain('1 hidden test failed');
    for (const secret of ['SECRET', 'test_secret', 'spec/']) expect(message).not.toContain(secret);
  });

  it('when a repair may follow, nothing the code wrote while the hidden tests were there stays for a later run to show', async () => {
    // Code that copies the hidden test where a later test could print it: a new file (its time set back), ptc's
    // own folder, and the end of a project file.
    const copier: RunFile = {
      path: 'calc.py',
      kind: 'code',
      content: [
        'import os, shutil',
        '',
        'def add(a, b):',
        '    return a + b',
        '',
        "if os.path.exists('spec/test_secret.py'):",
        "    os.makedirs('notes', exist_ok=True)",
        "    shutil.copy('spec/test_secret.py', 'notes/copy.txt')",
        "    os.utime('notes/copy.txt', (0, 0))",
        "    shutil.copy('spec/test_secret.py', '.ptc/stash')",
        "    with open('test_calc.py', 'a') as f:",
        "        f.write('# ' + open('spec/test_secret.py').read().replace(chr(10), ' '))",
        '',
      ].join('\n'),
    };
    const files = [copier, py.visible, py.hidden(PY_HIDDEN_FAIL)];
    const { report, sandbox } = await run('python', files, false);
    expect(report.cases.find((c) => c.name === 'test_secret_edge')).toMatchObject({ origin: 'hidden', status: 'failed' });
    expect(await sandbox.readFile('notes/copy.txt')).toBeNull();
    expect(await sandbox.readFile('.ptc/stash')).toBeNull();
    expect((await sandbox.readFile('test_calc.py'))?.toString('utf8')).toBe(py.visible.content);
    expect((await sandbox.readFile('calc.py'))?.toString('utf8')).toBe(copier.content);
    // The next round's run finds the project as ptc knows it, and passes.
    const next = await runTestsIn(sandbox, { lang: 'python', files: files.slice(0, 2), dependencies: [], timeoutMs: 60_000, network: false, lastRound: false });
    expect(next).toMatchObject({ passed: 1, failed: 0, problem: null });
  });

  it('a hidden file that defines tests but reports none still fails the run in the shared session', async () => {
    // `__test__ = False` makes pytest skip the module: its test is never collected.
    const silent = py.hidden(`__test__ = False\n\n\n${PY_HIDDEN_PASS}`);
    const { report, sandbox } = await run('python', [py.code, py.conftest, py.visible, silent], true);
    expect(await sessions(sandbox)).toBe(1);
    expect(report.passed).toBe(1);
    expect(report.problem).toBeNull();
    expect(report.hiddenProblem).toContain('spec/test_secret.py reported no test case');
  });

  it('a hidden file with no test at all fails the run as "no tests collected"', async () => {
    const { report } = await run('python', [py.code, py.conftest, py.visible, py.hidden('HELPER = 1\n')], true);
    expect(report.passed).toBe(1);
    expect(report.hiddenProblem).toMatch(/^no tests were collected/);
  });

  it('a hidden file that fails to import stops none of the visible tests in the shared session', async () => {
    const broken = py.hidden(`import no_such_module_anywhere\n\n\n${PY_HIDDEN_PASS}`);
    const { report, sandbox } = await run('python', [py.code, py.conftest, py.visible, broken], true);
    expect(await sessions(sandbox)).toBe(1);
    expect(report.cases.find((c) => c.name === 'test_add')).toMatchObject({ origin: 'generated', status: 'passed' });
    expect(report.cases.find((c) => c.origin === 'hidden')).toMatchObject({ status: 'error', file: 'spec/test_secret.py' });
    expect(report.problem).toBeNull();
  });
});

const ts = {
  code: { path: 'calc.ts', kind: 'code', content: 'export function add(a: number, b: number): number {\n  return a + b;\n}\n' } as RunFile,
  /** Fails when the hidden test is in the sandbox while it runs: the proof that the two share a run. */
  visible: {
    path: 'calc.test.ts',
    kind: 'test',
    content:
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { existsSync } from 'node:fs';\nimport { add } from './calc.ts';\n\n" +
      "test('adds', () => {\n  assert.equal(add(1, 2), 3);\n});\n\ntest('runs without the hidden test beside it', () => {\n  assert.equal(existsSync('spec/secret.test.ts'), false);\n});\n",
  } as RunFile,
  hidden: (body: string): RunFile => ({
    path: 'spec/secret.test.ts',
    kind: 'test',
    origin: 'hidden',
    content: `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../calc.ts';\n\n${body}`,
  }),
};
const TS_HIDDEN_FAIL = "test('secret edge', () => {\n  assert.equal(add(2, 2), 5, 'SECRET_HIDDEN_MESSAGE');\n});\n";

describe('hidden tests sharing the visible tests\' run: typescript', { timeout: 120_000 }, () => {
  it('the last round runs the hidden test file with the visible ones, marks its cases hidden and removes it and its emitted JavaScript after', async () => {
    const { report, sandbox } = await run('typescript', [ts.code, ts.visible, ts.hidden(TS_HIDDEN_FAIL)], true);
    // The visible test saw the hidden file: one run held both.
    expect(report.cases.find((c) => c.name === 'runs without the hidden test beside it')).toMatchObject({ origin: 'generated', status: 'failed' });
    expect(report.cases.find((c) => c.name === 'secret edge')).toMatchObject({ origin: 'hidden', status: 'failed', file: 'spec/secret.test.ts' });
    expect(await sandbox.readFile('spec/secret.test.ts')).toBeNull();
    expect(await sandbox.readFile('spec/secret.test.mjs')).toBeNull();
  });

  it('when a repair may follow a failure, the visible tests run again without the hidden file: the model sees no hidden name or message', async () => {
    const files = [ts.code, ts.visible, ts.hidden(TS_HIDDEN_FAIL)];
    const { report } = await run('typescript', files, false);
    expect(report.cases.filter((c) => c.origin !== 'hidden').map((c) => c.status)).toEqual(['passed', 'passed']);
    expect(report.cases.find((c) => c.name === 'secret edge')).toMatchObject({ origin: 'hidden', status: 'failed' });
    const message = buildRepairMessage({ lang: 'typescript', tests: report, files: [ts.code, ts.visible], protectTests: false });
    expect(message).toContain('1 hidden test failed');
    for (const secret of ['SECRET', 'secret edge', 'spec/']) expect(message).not.toContain(secret);
    expect(report.output).not.toContain('SECRET');
  });

  it('a hidden file that registers no test still fails the run in the shared run', async () => {
    const { report } = await run('typescript', [ts.code, ts.visible, ts.hidden('export const nothing = 1;\n')], true);
    expect(report.cases.filter((c) => c.origin === 'hidden')).toEqual([]);
    expect(report.hiddenProblem).toMatch(/no tests were collected|reported no test case/);
  });
});
