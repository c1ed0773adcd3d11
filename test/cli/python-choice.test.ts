import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { makeSandbox, ROOT, runPtc, type Sandbox } from './harness.js';

/**
 * Which python runs the tests: `local.python`, else the first python3 (then python) on PATH that has pytest.
 * A virtualenv without pytest placed first on PATH is the case from the field (ROMA's image, a project venv).
 */

let venvDir: string;
let bare: string;
let withPytest: string;
let sb: Sandbox;
beforeAll(() => {
  venvDir = mkdtempSync(join(tmpdir(), 'ptc-bare-venv-'));
  execFileSync('python3', ['-m', 'venv', '--without-pip', join(venvDir, 'v')]);
  bare = join(venvDir, 'v/bin/python3');
  withPytest = execFileSync('python3', ['-c', 'import sys, pytest; print(sys.executable)'], { encoding: 'utf8' }).trim();
});
afterAll(() => rmSync(venvDir, { recursive: true, force: true }));
beforeEach(() => {
  sb = makeSandbox();
  // The bare venv first, then a python that has pytest.
  sb.env.PATH = `${dirname(bare)}:${dirname(withPytest)}:${sb.env.PATH}`;
  cpSync(join(ROOT, 'test/fixtures/projects/py-mixed'), join(sb.cwd, 'mixed'), { recursive: true });
});
afterEach(() => sb.cleanup());

const doctorPython = async () => {
  const r = await runPtc(['doctor', '--offline', '--json'], sb);
  return JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'python tests') as { status: string; detail: string; hint?: string };
};

it('skips a python3 without pytest for the next one that has it, and doctor and --verbose say which', async () => {
  const check = await doctorPython();
  expect(check.status).toBe('ok');
  expect(check.detail).toContain(`the first python3 on PATH with pytest`);
  expect(check.detail.startsWith(withPytest)).toBe(true);

  const r = await runPtc(['run', 'mixed', '--json', '--verbose'], sb);
  const result = resultSchema.parse(JSON.parse(r.stdout));
  // The fixture has a failing test: the run itself worked (exit 1, cases reported), with the python that has pytest.
  expect(result).toMatchObject({ exitCode: 1, tests: { ran: true } });
  expect(result.tests!.passed).toBeGreaterThan(0);
  expect(r.stderr).toContain(`python for tests: ${withPytest} (`);
});

it('local.python wins; one without pytest fails the run with an error naming it and how to fix it', async () => {
  sb.write('.ptcrc.json', JSON.stringify({ local: { python: bare } }));
  const check = await doctorPython();
  expect(check).toMatchObject({ status: 'warn', detail: `${bare} has no pytest (tried ${bare} (local.python, no pytest))` });

  const r = await runPtc(['run', 'mixed', '--json'], sb);
  const result = resultSchema.parse(JSON.parse(r.stdout));
  expect(result).toMatchObject({ exitCode: 4, error: { code: 'sandbox_runner_missing' } });
  expect(result.error!.hint).toContain(`${bare} -m pip install pytest`);
  expect(result.error!.hint).toContain('local.python');
});

it('local.python runs the tests even where `python3` on its folder is another program', async () => {
  // A folder whose python3 is not a python at all, and a link to the python with pytest under another name.
  const bin = join(sb.dir, 'bin');
  sb.write('../bin/python3', '#!/bin/sh\necho "not the chosen python" >&2\nexit 3\n');
  chmodSync(join(bin, 'python3'), 0o755);
  symlinkSync(withPytest, join(bin, 'mypython'));
  sb.write('.ptcrc.json', JSON.stringify({ local: { python: join(bin, 'mypython') } }));
  const r = await runPtc(['run', 'mixed', '--json'], sb);
  const result = resultSchema.parse(JSON.parse(r.stdout));
  expect(result).toMatchObject({ exitCode: 1, tests: { ran: true } });
  expect(result.tests!.passed).toBeGreaterThan(0);
});

it('an rc file cannot give local.python an empty value', async () => {
  sb.write('.ptcrc.json', JSON.stringify({ local: { python: '' } }));
  const r = await runPtc(['run', 'mixed'], sb);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('local.python');
});
