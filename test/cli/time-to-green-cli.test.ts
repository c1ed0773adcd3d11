/**
 * Time to green through the built CLI against the loopback fakes: the Daytona sandbox is created while the model
 * answers (and deleted when the model fails), and --candidates keeps the right reply's files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateInput } from '../../src/app/request.js';
import { resultSchema } from '../../src/report/result-schema.js';
import { startDaytonaFake } from '../fakes/daytona-server.js';
import { openaiErrors, startOpenAIFake } from '../fakes/openai-server.js';
import { useCliSandbox, useFake } from './with-fake.js';

const KEY = 'fake-daytona-green-key';
const MODEL_KEY = 'fake-kimi-green-key';

const reply = (body: string) =>
  ['```python path=calc.py', 'def add(a, b):', `    return ${body}`, '```', '', '```python path=test_calc.py', 'from calc import add', '', 'def test_add():', '    assert add(2, 3) == 5', '```'].join('\n');

const daytona = useFake(() => startDaytonaFake({ apiKey: KEY }));
const model = useFake(() => startOpenAIFake());
const cli = useCliSandbox(() => ({ DAYTONA_API_KEY: KEY, DAYTONA_API_URL: daytona.fake.apiUrl, MOONSHOT_API_KEY: MODEL_KEY }));
afterEach(() => daytona.fake.setCreateDelay(0));

const gen = (...extra: string[]) => ['generate', 'add two numbers', '--provider', 'kimi', '--base-url', model.fake.url, '--run', '--sandbox', 'daytona', '--json', ...extra];

describe('generate --run --sandbox daytona', { timeout: 60_000 }, () => {
  it('asks Daytona for the sandbox while the model is still answering', async () => {
    const MODEL_MS = 2000;
    model.fake.enqueue({ text: reply('a + b'), delayMs: MODEL_MS });
    const from = daytona.fake.requests.length;
    const asked = model.fake.waitForRequest(model.fake.requests.length).then(() => Date.now());
    const run = cli.run(gen('--out', 'calc'));
    const [r, askedAt] = await Promise.all([run, asked]);
    expect(r.code, r.stderr).toBe(0);
    const create = daytona.fake.requests.slice(from).find((q) => q.route === 'POST /sandbox')!;
    expect(create.at).toBeLessThan(askedAt + MODEL_MS);
    expect(resultSchema.parse(JSON.parse(r.stdout)).tests).toMatchObject({ sandbox: 'daytona', passed: 1 });
  });

  it('deletes the sandbox made early when the model call fails', async () => {
    daytona.fake.setCreateDelay(300);
    model.fake.enqueue(openaiErrors.status(401, 'Invalid Authentication', 'invalid_authentication_error'));
    const before = daytona.fake.created.length;
    const created = daytona.fake.waitForRequest('POST /sandbox', daytona.fake.requests.length);
    const r = await cli.run(gen('--out', 'failed'));
    expect(r.code).toBe(3);
    await created;
    const mine = daytona.fake.created.slice(before);
    expect(mine).toHaveLength(1);
    expect(daytona.fake.deleted).toEqual(expect.arrayContaining(mine));
  });
});

describe('--candidates', { timeout: 90_000 }, () => {
  it('three replies, one right: exit 0 with its files, three calls counted and priced', async () => {
    model.fake.enqueue({ text: reply('a - b') }, { text: reply('a + b') }, { text: reply('a * b') });
    const before = model.fake.requests.length;
    const r = await cli.run(gen('--out', 'three', '--candidates', '3'));
    expect(r.code, r.stderr).toBe(0);
    expect(model.fake.requests.length - before).toBe(3);
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.candidates).toHaveLength(3);
    expect(result.candidates!.filter((c) => c.outcome === 'won')).toHaveLength(1);
    for (const c of result.candidates!) expect(c.cost).toMatchObject({ source: 'catalog' });
    const sum = result.candidates!.reduce((n, c) => n + c.cost!.usd!, 0);
    expect(result.cost!.usd).toBeCloseTo(sum, 12);
    expect(readFileSync(join(cli.sb.cwd, 'three', 'calc.py'), 'utf8')).toContain('return a + b');
  });

  it('is an option of the CLI table, the agents and batch lines, bounded', async () => {
    expect(generateInput.safeParse({ prompt: 'x', candidates: 3 }).success).toBe(true);
    expect(generateInput.safeParse({ prompt: 'x', candidates: 9 }).success).toBe(false);
    const r = await cli.run(gen('--out', 'bad', '--candidates', '0'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--candidates');
  });
});

describe('batch on Daytona, interrupted', { timeout: 60_000 }, () => {
  it('SIGINT deletes every pooled sandbox, warm ones included', async () => {
    cli.sb.write('tasks.jsonl', ['a', 'b', 'c'].map((id) => JSON.stringify({ id, prompt: `add two numbers ${id}` })).join('\n'));
    // The model never answers in time: the pool warms sandboxes for the tasks meanwhile.
    model.fake.setDefault({ text: reply('a + b'), delayMs: 30_000 });
    const before = daytona.fake.created.length;
    const from = daytona.fake.requests.length;
    let pid = 0;
    const run = cli.run(['batch', 'tasks.jsonl', '--provider', 'kimi', '--base-url', model.fake.url, '--run', '--sandbox', 'daytona', '--concurrency', '2', '--sandbox-concurrency', '2'], {
      onSpawn: (p) => (pid = p),
    });
    // A sandbox exists once the runner's install is under way in it.
    await daytona.fake.waitForRequest('POST /process/session/:id/exec', from);
    process.kill(pid, 'SIGINT');
    const r = await run;
    model.fake.setDefault(null);
    expect(r.code).toBe(130);
    const mine = daytona.fake.created.slice(before);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine.filter((id) => daytona.fake.sandboxes.has(id))).toEqual([]);
  });
});
