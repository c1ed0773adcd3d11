/**
 * Time to green through the built CLI against the loopback fakes: the Daytona sandbox is created while the model
 * answers (and deleted when the model fails), and --candidates keeps the right reply's files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateInput } from '../../src/app/request.js';
import { resultSchema } from '../../src/report/result-schema.js';
import { startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';
import { openaiErrors, startOpenAIFake, type OpenAIFake } from '../fakes/openai-server.js';
import { makeSandbox, runPtc, type Sandbox } from './harness.js';

const KEY = 'fake-daytona-green-key';
const MODEL_KEY = 'fake-kimi-green-key';

const reply = (body: string) =>
  ['```python path=calc.py', 'def add(a, b):', `    return ${body}`, '```', '', '```python path=test_calc.py', 'from calc import add', '', 'def test_add():', '    assert add(2, 3) == 5', '```'].join('\n');

let daytona: DaytonaFake;
let model: OpenAIFake;
let sb: Sandbox;
beforeAll(async () => {
  daytona = await startDaytonaFake({ apiKey: KEY });
  model = await startOpenAIFake();
});
afterAll(async () => {
  await model.close();
  await daytona.close();
});
beforeEach(() => {
  sb = makeSandbox({ DAYTONA_API_KEY: KEY, DAYTONA_API_URL: daytona.apiUrl, MOONSHOT_API_KEY: MODEL_KEY });
});
afterEach(() => {
  sb.cleanup();
  daytona.verify();
  model.verify();
  daytona.setCreateDelay(0);
});

const gen = (...extra: string[]) => ['generate', 'add two numbers', '--provider', 'kimi', '--base-url', model.url, '--run', '--sandbox', 'daytona', '--json', ...extra];

describe('generate --run --sandbox daytona', { timeout: 60_000 }, () => {
  it('asks Daytona for the sandbox while the model is still answering', async () => {
    const MODEL_MS = 2000;
    model.enqueue({ text: reply('a + b'), delayMs: MODEL_MS });
    const from = daytona.requests.length;
    const asked = model.waitForRequest(model.requests.length).then(() => Date.now());
    const run = runPtc(gen('--out', 'calc'), { cwd: sb.cwd, env: sb.env });
    const [r, askedAt] = await Promise.all([run, asked]);
    expect(r.code, r.stderr).toBe(0);
    const create = daytona.requests.slice(from).find((q) => q.route === 'POST /sandbox')!;
    expect(create.at).toBeLessThan(askedAt + MODEL_MS);
    expect(resultSchema.parse(JSON.parse(r.stdout)).tests).toMatchObject({ sandbox: 'daytona', passed: 1 });
  });

  it('deletes the sandbox made early when the model call fails', async () => {
    daytona.setCreateDelay(300);
    model.enqueue(openaiErrors.status(401, 'Invalid Authentication', 'invalid_authentication_error'));
    const before = daytona.created.length;
    const created = daytona.waitForRequest('POST /sandbox', daytona.requests.length);
    const r = await runPtc(gen('--out', 'failed'), { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(3);
    await created;
    const mine = daytona.created.slice(before);
    expect(mine).toHaveLength(1);
    expect(daytona.deleted).toEqual(expect.arrayContaining(mine));
  });
});

describe('--candidates', { timeout: 90_000 }, () => {
  it('three replies, one right: exit 0 with its files, three calls counted and priced', async () => {
    model.enqueue({ text: reply('a - b') }, { text: reply('a + b') }, { text: reply('a * b') });
    const before = model.requests.length;
    const r = await runPtc(gen('--out', 'three', '--candidates', '3'), { cwd: sb.cwd, env: sb.env });
    expect(r.code, r.stderr).toBe(0);
    expect(model.requests.length - before).toBe(3);
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.candidates).toHaveLength(3);
    expect(result.candidates!.filter((c) => c.outcome === 'won')).toHaveLength(1);
    for (const c of result.candidates!) expect(c.cost).toMatchObject({ source: 'catalog' });
    const sum = result.candidates!.reduce((n, c) => n + c.cost!.usd!, 0);
    expect(result.cost!.usd).toBeCloseTo(sum, 12);
    expect(readFileSync(join(sb.cwd, 'three', 'calc.py'), 'utf8')).toContain('return a + b');
  });

  it('is an option of the CLI table, the agents and batch lines, bounded', async () => {
    expect(generateInput.safeParse({ prompt: 'x', candidates: 3 }).success).toBe(true);
    expect(generateInput.safeParse({ prompt: 'x', candidates: 9 }).success).toBe(false);
    const r = await runPtc(gen('--out', 'bad', '--candidates', '0'), { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--candidates');
  });
});

describe('batch on Daytona, interrupted', { timeout: 60_000 }, () => {
  it('SIGINT deletes every pooled sandbox, warm ones included', async () => {
    sb.write('tasks.jsonl', ['a', 'b', 'c'].map((id) => JSON.stringify({ id, prompt: `add two numbers ${id}` })).join('\n'));
    // The model never answers in time: the pool warms sandboxes for the tasks meanwhile.
    model.setDefault({ text: reply('a + b'), delayMs: 30_000 });
    const before = daytona.created.length;
    const from = daytona.requests.length;
    let pid = 0;
    const run = runPtc(['batch', 'tasks.jsonl', '--provider', 'kimi', '--base-url', model.url, '--run', '--sandbox', 'daytona', '--concurrency', '2', '--sandbox-concurrency', '2'], {
      cwd: sb.cwd,
      env: sb.env,
      onSpawn: (p) => (pid = p),
    });
    // A sandbox exists once the runner's install is under way in it.
    await daytona.waitForRequest('POST /process/session/:id/exec', from);
    process.kill(pid, 'SIGINT');
    const r = await run;
    model.setDefault(null);
    expect(r.code).toBe(130);
    const mine = daytona.created.slice(before);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine.filter((id) => daytona.sandboxes.has(id))).toEqual([]);
  });
});
