/**
 * `ptc generate --run --fix n` as a user runs it: the built CLI, the real openai SDK against the loopback
 * OpenAI fake, the local bubblewrap sandbox and pytest. Needs `npm run build` first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { useFakeCli } from '../cli/with-fake.js';
import { BUGGY_CALC, FIXED_CALC, reply, TEST_CALC } from './harness.js';

const cli = useFakeCli({ perTest: true });

const args = (fix: number) => [
  'generate', 'a function add(a, b) that returns the sum',
  '--provider', 'openai-compatible', '--base-url', cli.fake.url, '--model', 'fake-model',
  '--out', 'out', '--run', '--fix', String(fix), '--json',
];

const chatBodies = () => cli.fake.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body);

describe('ptc generate --run --fix', { timeout: 90_000 }, () => {
  it('fails, sends the failure back in the same conversation, passes on the second reply: exit 0, two rounds', async () => {
    cli.fake.enqueue(
      { text: reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC }), usage: { prompt: 900, completion: 150 } },
      { text: reply({ 'calc.py': FIXED_CALC }, 'Fixed the operator.'), usage: { prompt: 1400, completion: 40 } },
    );
    const r = await cli.run(args(2), { timeoutMs: 80_000 });
    expect(r.code, r.stderr).toBe(0);
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result).toMatchObject({ ok: true, exitCode: 0, stopReason: 'tests pass after 1 repair round' });
    expect(result.rounds.map((x) => [x.round, x.tests?.passed, x.tests?.failed])).toEqual([[0, 1, 1], [1, 2, 0]]);
    expect(result.rounds.map((x) => x.usage?.outputTokens)).toEqual([150, 40]);
    expect(result.usage).toMatchObject({ inputTokens: 2300, outputTokens: 190 });
    expect(result.tests).toMatchObject({ passed: 2, failed: 0, sandbox: 'local' });
    expect(readFileSync(join(cli.sb.cwd, 'out', 'calc.py'), 'utf8')).toBe(FIXED_CALC);

    const bodies = chatBodies();
    expect(bodies).toHaveLength(2);
    const [first, second] = bodies.map((b) => b.messages as { role: string; content: unknown }[]);
    expect(second!.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(second!.slice(0, 2)).toEqual(first);
    expect(JSON.stringify(second![2]!.content)).toContain('return a - b');
    const repair = JSON.stringify(second![3]!.content);
    expect(repair).toContain('FAILED: test_add (test_calc.py)');
    expect(repair).toContain('assert -1 == 5');
  });

  it('never fixes: exit 1 after n repair rounds, exactly n + 1 requests, and the reason in the result', async () => {
    cli.fake.enqueue(
      { text: reply({ 'calc.py': BUGGY_CALC, 'test_calc.py': TEST_CALC }) },
      { text: reply({ 'calc.py': 'def add(a, b):\n    return a * b\n' }) },
    );
    cli.fake.setDefault({ text: reply({ 'calc.py': FIXED_CALC }) }); // would pass, if it were ever asked for
    const r = await cli.run(args(1), { timeoutMs: 80_000 });
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.rounds).toHaveLength(2);
    expect(chatBodies()).toHaveLength(2);
    expect(result.stopReason).toBe('tests still fail after 1 repair round');
    expect(result.error).toMatchObject({ code: 'tests_failed', hint: 'tests still fail after 1 repair round' });
  });
});
