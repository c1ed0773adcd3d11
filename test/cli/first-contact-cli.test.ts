import { describe, expect, it } from 'vitest';
import { useFakeCli } from './with-fake.js';

const cli = useFakeCli();

const ptc = (args: string[], env?: NodeJS.ProcessEnv) => cli.run(args, { env });

const REPLY = (impl: string) =>
  [
    '```python path=calc.py',
    impl,
    '```',
    '',
    '```python path=test_calc.py',
    'from calc import add',
    '',
    'def test_small():',
    '    assert add(1, 2) == 3',
    '',
    'def test_negative():',
    '    assert add(-1, -2) == -3',
    '',
    'def test_zero():',
    '    assert add(0, 5) == 5',
    '```',
  ].join('\n');

describe('names what it knows', () => {
  it('a missing_key error names the provider and model in its JSON', async () => {
    const r = await ptc(['generate', 'add two numbers', '-p', 'anthropic', '-m', 'claude-haiku-4-5', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('missing_key');
    expect(doc.provider).toBe('anthropic');
    expect(doc.model).toBe('claude-haiku-4-5');
  });

  it('models -p kim suggests kimi', async () => {
    const r = await ptc(['models', '-p', 'kim']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ptc: unknown provider "kim" (did you mean "kimi"?)');
  });

  it('a batch line with "promt" suggests "prompt", and the count is of lines, not of problems', async () => {
    cli.sb.write('tasks.jsonl', ['{"id": "a", "promt": "add"}', '{"id": "b", "prompt": "sub", "fix": -1, "lang": "cobol"}', '{"id": "c", "prompt": "ok"}'].join('\n'));
    const r = await ptc(['batch', 'tasks.jsonl', '-p', 'kimi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tasks.jsonl: 2 invalid task lines; nothing was run');
    expect(r.stderr).toContain('line 1: unknown key "promt" (did you mean "prompt"?)');
    // The did-you-mean says the prompt is missing; no second line saying it again.
    expect(r.stderr.match(/line 1:/g)).toHaveLength(1);
    expect(r.stderr.match(/line 2:/g)).toHaveLength(2);
  });

  it('a missing file is "no such file" everywhere, never ENOENT', async () => {
    const cases: [string[], string][] = [
      [['batch', 'nope.jsonl', '-p', 'kimi'], 'ptc: cannot read nope.jsonl: no such file'],
      [['generate', '--prompt-file', 'nope.md', '-p', 'kimi'], 'ptc: cannot read --prompt-file nope.md: no such file'],
      [['apply', 'nope.md'], 'ptc: cannot read nope.md: no such file'],
      [['run', 'nope'], 'ptc: cannot read nope: no such directory'],
    ];
    for (const [args, message] of cases) {
      const r = await ptc(args, { MOONSHOT_API_KEY: 'fake-first-contact-key' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr, args.join(' ')).not.toContain('ENOENT');
    }
  });

  it('--lang python on a folder of TypeScript tests names the mismatch and the flag', async () => {
    cli.sb.write('calc.ts', 'export const add = (a: number, b: number) => a + b;\n');
    cli.sb.write('calc.test.ts', 'import { test } from "node:test";\n');
    const r = await ptc(['run', '.', '--lang', 'python']);
    expect(r.code).toBe(1);
    const message = 'no python tests found; the folder has TypeScript tests — try --lang typescript';
    expect(r.stdout).toContain(`✗ ${message}`);
    expect(r.stderr).toContain(`ptc: ${message}`);
  });
});

describe('says less where less is enough', () => {
  it("each round's tests leave out the passing cases (counts stay); the final tests keep every case", async () => {
    cli.fake.enqueue({ text: REPLY('def add(a, b):\n    return a + b if a >= 0 else 0') });
    const r = await ptc(['generate', 'add', '-p', 'openai-compatible', '-m', 'local-model', '--base-url', cli.fake.url, '--out', 'calc', '--run', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.tests.cases.map((c: { name: string }) => c.name).sort()).toEqual(['test_negative', 'test_small', 'test_zero']);
    const round = doc.rounds[0].tests;
    expect(round).toMatchObject({ passed: 2, failed: 1 });
    expect(round.cases.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([['test_negative', 'failed']]);
  });

  it('warns about a model without a price once per model, not on every run (the JSON keeps it every time)', async () => {
    const run = (model: string, json = false) => {
      cli.fake.enqueue({ text: REPLY('def add(a, b):\n    return a + b') });
      return ptc(['generate', 'add', '-p', 'openai-compatible', '-m', model, '--base-url', cli.fake.url, '--out', `out-${model}-${json}`, '--no-run', ...(json ? ['--json'] : [])]);
    };
    const warning = 'no price known for openai-compatible/local-a';
    expect((await run('local-a')).stderr).toContain(warning);
    const again = await run('local-a');
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('no price known');
    expect(JSON.parse((await run('local-a', true)).stdout).warnings.join('\n')).toContain(warning);
    // Another model is another notice.
    expect((await run('local-b')).stderr).toContain('no price known for openai-compatible/local-b');
  });

  it('money is shown with enough digits: a $0.0123 call is not $0.01', async () => {
    cli.fake.enqueue({ text: REPLY('def add(a, b):\n    return a + b'), usageShape: 'openrouter-with-cost', usage: { prompt: 1000, completion: 200, cost: 0.0123 } });
    const r = await ptc(['generate', 'add', '-p', 'openrouter', '-m', 'openai/gpt-4o-mini', '--base-url', cli.fake.url, '--out', 'calc', '--no-run'], {
      OPENROUTER_API_KEY: 'fake-first-contact-key',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/openrouter\/openai\/gpt-4o-mini: 1000 in · 200 out · \$0\.0123 \(billed by provider\)/);
  });
});
