/**
 * Which runs let the hidden tests share the visible tests' session, through the built CLI and the local sandbox:
 * the last round (`--fix 0`, the last repair round, `ptc run`) does; a round a repair may follow does not when it
 * fails. The model's own test looks for the hidden file beside it: found means one session held both.
 * Needs `npm run build` first.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { makeSandbox, runPtc, type Sandbox } from './harness.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-server.js';
import { reply } from '../core/harness.js';

let sb: Sandbox;
let fake: OpenAIFake;
beforeEach(async () => {
  sb = makeSandbox();
  fake = await startOpenAIFake();
});
afterEach(async () => {
  await fake.close();
  sb.cleanup();
});

const provider = () => ['--provider', 'openai-compatible', '--base-url', fake.url, '--model', 'fake-model'];

const HIDDEN = 'from calc import add\n\n\ndef test_hidden_sum():\n    assert add(2, 3) == 5\n';
const OWN_TESTS =
  'import os\nfrom calc import add\n\n\ndef test_small():\n    assert add(0, 0) == 0\n\n\n' +
  "def test_alone():\n    assert not os.path.exists('spec/test_zz_hidden.py')\n";
const WRONG = 'def add(a, b):\n    return a - b\n';
const RIGHT = 'def add(a, b):\n    return a + b\n';

const ownTests = (t: { byOrigin?: Record<string, { passed: number; failed: number }> } | null | undefined) => t?.byOrigin?.generated;

describe('hidden tests in the visible tests\' session', { timeout: 120_000 }, () => {
  it('--fix 1: round 0 (a repair may follow) runs the model\'s tests without them; the last round runs both in one session', async () => {
    sb.write('spec/test_zz_hidden.py', HIDDEN);
    fake.enqueue({ text: reply({ 'calc.py': WRONG, 'test_calc.py': OWN_TESTS }) }, { text: reply({ 'calc.py': RIGHT }) });
    const r = await runPtc(['generate', 'add(a, b)', ...provider(), '--out', 'out', '--run', '--fix', '1', '--json', '--hidden-tests', 'spec'], {
      cwd: sb.cwd,
      env: sb.env,
      timeoutMs: 110_000,
    });
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.rounds).toHaveLength(2);
    expect(ownTests(result.rounds[0]!.tests)).toMatchObject({ passed: 2, failed: 0 });
    expect(result.rounds[0]!.tests!.byOrigin!.hidden).toMatchObject({ failed: 1 });
    expect(ownTests(result.tests)).toMatchObject({ passed: 1, failed: 1 });
    expect(result.tests!.byOrigin!.hidden).toMatchObject({ passed: 1, failed: 0 });
    expect(r.code).toBe(1);
  });

  it('--fix 0: the only round is the last, one session', async () => {
    sb.write('spec/test_zz_hidden.py', HIDDEN);
    fake.enqueue({ text: reply({ 'calc.py': WRONG, 'test_calc.py': OWN_TESTS }) });
    const r = await runPtc(['generate', 'add(a, b)', ...provider(), '--out', 'out', '--run', '--fix', '0', '--json', '--hidden-tests', 'spec'], {
      cwd: sb.cwd,
      env: sb.env,
      timeoutMs: 110_000,
    });
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(ownTests(result.tests)).toMatchObject({ passed: 1, failed: 1 });
    expect(result.tests!.byOrigin!.hidden).toMatchObject({ passed: 0, failed: 1 });
  });

  it('--candidates 2 --fix 0: each candidate\'s run is the last, one session each', async () => {
    sb.write('spec/test_zz_hidden.py', HIDDEN);
    const wrong = { text: reply({ 'calc.py': WRONG, 'test_calc.py': OWN_TESTS }) };
    fake.enqueue(wrong, wrong);
    const r = await runPtc(['generate', 'add(a, b)', ...provider(), '--out', 'out', '--run', '--fix', '0', '--candidates', '2', '--json', '--hidden-tests', 'spec'], {
      cwd: sb.cwd,
      env: sb.env,
      timeoutMs: 110_000,
    });
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.candidates).toHaveLength(2);
    expect(ownTests(result.tests)).toMatchObject({ passed: 1, failed: 1 });
    expect(result.tests!.byOrigin!.hidden).toMatchObject({ passed: 0, failed: 1 });
  });

  it('ptc run: no repair follows, one session', async () => {
    sb.write('proj/calc.py', RIGHT);
    sb.write('proj/test_calc.py', OWN_TESTS);
    sb.write('proj/spec/test_zz_hidden.py', HIDDEN);
    const r = await runPtc(['run', 'proj', '--json', '--hidden-tests', 'proj/spec'], { cwd: sb.cwd, env: sb.env, timeoutMs: 110_000 });
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(ownTests(result.tests)).toMatchObject({ passed: 1, failed: 1 });
    expect(result.tests!.byOrigin!.hidden).toMatchObject({ passed: 1, failed: 0 });
  });
});
