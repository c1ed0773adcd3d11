import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeSandbox, runPtc, type Sandbox } from '../cli/harness.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-server.js';

// A user's own suite: inline hidden tests and a folder of them; the model gets `add` right and `mul` wrong,
// and its own tests pass for both.
let sb: Sandbox;
let fake: OpenAIFake;

const reply = (fn: string, body: string) =>
  '```python path=calc.py\n' +
  `def ${fn}(a, b):\n    return ${body}\n` +
  '```\n\n```python path=test_calc.py\n' +
  `from calc import ${fn}\n\n\ndef test_${fn}_runs():\n    assert ${fn}(0, 0) == 0\n` +
  '```\n';

beforeAll(async () => {
  sb = makeSandbox({ OPENAI_API_KEY: 'fake-openai-key-user-suite' });
  fake = await startOpenAIFake({
    respond: (req) => {
      const text = JSON.stringify(req.body?.messages ?? []);
      if (text.includes('add(a, b)')) return { text: reply('add', 'a + b'), usage: { prompt: 100, completion: 50 } };
      if (text.includes('mul(a, b)')) return { text: reply('mul', 'a + b'), usage: { prompt: 100, completion: 50 } };
      return null;
    },
  });
  sb.write('hidden/mul/test_hidden_mul.py', 'from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n');
  sb.write(
    'suite.jsonl',
    [
      '# a comment line',
      JSON.stringify({ id: 'add', prompt: 'a function add(a, b) in calc.py', hiddenTests: { 'test_hidden_add.py': 'from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n' } }),
      JSON.stringify({ id: 'mul', prompt: 'a function mul(a, b) in calc.py that multiplies', hiddenTests: 'hidden/mul' }),
    ].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await fake?.close();
  sb?.cleanup();
});

it('scores a JSONL suite by its hidden tests, prints a table, and a rerun takes every result from the state', async () => {
  const args = ['eval', 'suite.jsonl', '-m', 'openai:gpt-4.1-mini', '--base-url', fake.url, '--fix', '0'];
  const first = await runPtc(args, { cwd: sb.cwd, env: sb.env, timeoutMs: 120_000 });
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/^target\s+solved\s+pass\s+first try\s+false conf\.\s+cost\s+\$\/solved/m);
  expect(first.stdout).toMatch(/^openai:gpt-4\.1-mini\s+1\/2\s+50\.0%\s+50\.0%\s+50\.0%/m);
  expect(fake.requests).toHaveLength(2);
  for (const r of fake.requests) expect(JSON.stringify(r.body)).not.toMatch(/test_hidden|assert (add|mul)\(2, 3\)/);

  const again = await runPtc([...args, '--json'], { cwd: sb.cwd, env: sb.env, timeoutMs: 120_000 });
  expect(again.code, again.stderr).toBe(0);
  const doc = JSON.parse(again.stdout);
  expect(doc.suite).toMatchObject({ name: 'suite', tasks: 2 });
  expect(doc.targets[0]).toMatchObject({ solved: 1, passRate: 0.5, falseConfidence: 0.5 });
  expect(doc.tasks.map((t: any) => [t.id, t.results[0].outcome, t.results[0].resumed])).toEqual([
    ['add', 'solved', true],
    ['mul', 'failed', true],
  ]);
  expect(fake.requests).toHaveLength(2);
}, 240_000);

it('--shard splits the suite as batch does: 1/2 and 2/2 are disjoint and cover every task once', async () => {
  const before = fake.requests.length;
  const parts = [];
  for (const shard of ['1/2', '2/2']) {
    const r = await runPtc(['eval', 'suite.jsonl', '-m', 'openai:gpt-4.1-mini', '--base-url', fake.url, '--fix', '0', '--shard', shard, '--out', `shard-${shard[0]}`, '--json'], { cwd: sb.cwd, env: sb.env, timeoutMs: 120_000 });
    const doc = JSON.parse(r.stdout);
    expect(doc.settings.shard).toBe(shard);
    parts.push(doc.tasks.map((t: any) => t.id));
  }
  expect(parts).toEqual([['add'], ['mul']]);
  expect(fake.requests.length - before).toBe(2);
  const bad = await runPtc(['eval', 'suite.jsonl', '-m', 'openai:gpt-4.1-mini', '--shard', '3/2'], { cwd: sb.cwd, env: sb.env });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--shard must be <i>/<n>');
}, 240_000);

it('--candidates reaches every task of an eval: k replies asked for per task, all counted', async () => {
  const before = fake.requests.length;
  const r = await runPtc(['eval', 'suite.jsonl', '-m', 'openai:gpt-4.1-mini', '--base-url', fake.url, '--fix', '0', '--candidates', '2', '--out', 'cand', '--json'], { cwd: sb.cwd, env: sb.env, timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(fake.requests.length - before).toBe(4);
  expect(JSON.parse(r.stdout).targets[0]).toMatchObject({ solved: 1 });
}, 240_000);
