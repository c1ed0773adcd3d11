/**
 * ptc serve keeps warm Daytona sandboxes for its requests: a second request reuses the first one's sandbox, and
 * a sandbox idle past --sandbox-idle is deleted. Against the loopback Daytona and model fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-server.js';
import { type ServeProcess, startServe } from './serve-process.js';

const KEY = 'fake-daytona-serve-key';
const REPLY = ['```python path=calc.py', 'def add(a, b):', '    return a + b', '```', '', '```python path=test_calc.py', 'from calc import add', '', 'def test_add():', '    assert add(2, 3) == 5', '```'].join('\n');

let daytona: DaytonaFake;
let model: OpenAIFake;
beforeAll(async () => {
  daytona = await startDaytonaFake({ apiKey: KEY });
  model = await startOpenAIFake();
});
afterAll(async () => {
  await model.close();
  await daytona.close();
});

describe('ptc serve with Daytona sandboxes', { timeout: 90_000 }, () => {
  let serve: ServeProcess | null = null;
  afterAll(async () => serve?.stop());

  it('lends the same warm sandbox to consecutive requests and deletes it once idle', async () => {
    serve = await startServe(['--sandbox-idle', '2', '-v'], { DAYTONA_API_KEY: KEY, DAYTONA_API_URL: daytona.apiUrl, MOONSHOT_API_KEY: 'fake-kimi-serve' }, (sb) =>
      sb.write('.ptcrc.json', JSON.stringify({ provider: 'kimi', providers: { kimi: { baseURL: model.url } } })),
    );
    const before = daytona.created.length;
    for (const out of ['one', 'two']) {
      model.enqueue({ text: REPLY });
      const res = await serve.post('/v1/generate', { prompt: 'add two numbers', out, run: true, sandbox: 'daytona' });
      expect(res.status, serve.stderr()).toBe(200);
      expect(res.json).toMatchObject({ exitCode: 0, tests: { sandbox: 'daytona', passed: 1 } });
    }
    const mine = daytona.created.slice(before);
    expect(mine).toHaveLength(1);
    expect(daytona.sandboxes.has(mine[0]!)).toBe(true);
    // Idle for --sandbox-idle seconds: deleted without any request.
    const deleted = await daytona.waitForRequest('DELETE /sandbox/:id');
    expect(deleted.path).toContain(mine[0]!);
    expect(serve.stderr()).toContain('sandbox pool');
  });
});
