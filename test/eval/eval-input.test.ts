import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, runPtc, type Sandbox } from '../cli/harness.js';

// Bad input stops an eval before anything runs or is paid for: one message, a hint, exit 2, no stack trace.
let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox({ OPENAI_API_KEY: 'fake-openai-key-eval-input' });
});
afterEach(() => sb.cleanup());

const ptc = (...args: string[]) => runPtc(args, { cwd: sb.cwd, env: sb.env });

describe('ptc eval input', () => {
  it('lists every bad line of a suite, with its line number, and runs nothing', async () => {
    sb.write('hidden/test_a.py', 'def test_a():\n    assert True\n');
    sb.write(
      'suite.jsonl',
      [
        '{"id": "ok", "prompt": "add two numbers", "hiddenTests": "hidden"}',
        '{"id": "no-tests", "prompt": "x"}',
        'not json',
        '{"id": "bad path", "prompt": "x", "hiddenTests": {"../escape.py": "x"}}',
        '{"id": "ok", "prompt": "again", "hiddenTests": {"test_b.py": "x"}}',
        '{"id": "folder", "prompt": "x", "hiddenTests": "missing-folder"}',
        '{"id": "typo", "prompt": "x", "hiddenTest": {"t.py": "x"}}',
      ].join('\n'),
    );
    const r = await ptc('eval', 'suite.jsonl', '-m', 'openai:gpt-4.1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('problems in the suite; nothing was run');
    expect(r.stderr).toMatch(/line 2: "hiddenTests"/);
    expect(r.stderr).toMatch(/line 3: not JSON/);
    expect(r.stderr).toMatch(/line 4: "id"/);
    expect(r.stderr).toMatch(/line 5: id "ok" is already used on line 1/);
    expect(r.stderr).toMatch(/line 6: "missing-folder" is not a folder/);
    expect(r.stderr).toMatch(/line 7: .*hiddenTest/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('refuses a hidden test path that leaves the task folder', async () => {
    sb.write('suite.jsonl', '{"id": "t", "prompt": "x", "hiddenTests": {"../escape.py": "x"}}\n');
    const r = await ptc('eval', 'suite.jsonl', '-m', 'openai:gpt-4.1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 1: file "\.\.\/escape\.py": leaves the output directory/);
  });

  it('wants each target as provider:model, from a known provider, once', async () => {
    for (const [args, message] of [
      [[], /needs at least one target model/],
      [['-m', 'gpt-4.1'], /a target is <provider>:<model>/],
      [['-m', 'acme:model-1'], /unknown provider "acme"/],
      [['-m', 'openai:gpt-4.1', '-m', 'openai:gpt-4.1'], /given twice/],
    ] as const) {
      const r = await ptc('eval', 'humaneval', ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('hint');
    }
  });

  it('names a task id --tasks does not know, and a suite it cannot read', async () => {
    const unknown = await ptc('eval', 'humaneval', '-m', 'openai:gpt-4.1', '--tasks', 'HumanEval_0,HumanEval_999');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--tasks: humaneval has no task "HumanEval_999"');
    const missing = await ptc('eval', 'nowhere.jsonl', '-m', 'openai:gpt-4.1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the suite nowhere.jsonl: ENOENT');
  });

  it('takes --record or --replay, not both', async () => {
    const r = await ptc('eval', 'humaneval', '-m', 'openai:gpt-4.1', '--record', 'a', '--replay', 'b');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--record and --replay are alternatives');
  });

  it('shows examples in --help', async () => {
    const r = await ptc('eval', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$ ptc eval humaneval -m');
    expect(r.stdout).toContain('--replay');
  });
});
