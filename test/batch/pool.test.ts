/**
 * ptc batch on Daytona lends warm sandboxes: against the loopback Daytona (slow to create) and a provider that
 * answers each task by its prompt.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';
import { makeSandbox, type Sandbox } from '../cli/harness.js';
import { fakeEnv, jsonl, ptc } from './helpers.js';
import { pythonReply, type ScriptedProvider, startScriptedProvider } from './scripted-provider.js';

const KEY = 'fake-daytona-pool-key';
const idIn = (prompt: string) => /TASK:(\w+)/.exec(prompt)?.[1] ?? 'unknown';

let daytona: DaytonaFake;
let model: ScriptedProvider;
let box: Sandbox;
beforeAll(async () => {
  daytona = await startDaytonaFake({ apiKey: KEY, createDelayMs: 300 });
  model = await startScriptedProvider((p) => {
    const id = idIn(p);
    return { text: pythonReply(`mod_${id}`, `double_${id}`, `def double_${id}(x):\n    return 2 * x`, `def test_double_${id}():\n    assert double_${id}(21) == 42`) };
  });
});
afterAll(async () => {
  await model.close();
  await daytona.close();
});
beforeEach(() => {
  box = makeSandbox({ DAYTONA_API_KEY: KEY, DAYTONA_API_URL: daytona.apiUrl });
});
afterEach(() => {
  box.cleanup();
  daytona.verify();
});

const tasks = (n: number) => jsonl(Array.from({ length: n }, (_, i) => ({ id: `t${i}`, prompt: `TASK:t${i} write double_t${i}(x)` })));
const args = (...extra: string[]) => ['batch', 'tasks.jsonl', '--base-url', model.url, '--out', 'out', '--run', '--sandbox', 'daytona', ...extra];

describe('ptc batch with Daytona sandboxes', { timeout: 120_000 }, () => {
  it('shares at most --sandbox-concurrency warm sandboxes between the tasks, installs pytest once in each, deletes them all', async () => {
    box.write('tasks.jsonl', tasks(6));
    const before = daytona.created.length;
    const pipsBefore = daytona.pipInstalls().length;
    const r = await ptc(args('--concurrency', '3', '--sandbox-concurrency', '2', '--json', '-v'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals.passed).toBe(6);
    const mine = daytona.created.slice(before);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine.length).toBeLessThanOrEqual(2);
    expect(mine.filter((id) => daytona.sandboxes.has(id))).toEqual([]);
    expect(doc.totals.sandboxes).toMatchObject({ created: mine.length, deleted: mine.length });
    expect(doc.totals.sandboxes.tasksPerSandbox.reduce((a: number, b: number) => a + b, 0)).toBe(6);
    // pytest went into each sandbox once, not once per task.
    const pytest = daytona.pipInstalls().slice(pipsBefore).filter((p) => p.args.includes('pytest'));
    expect(pytest.length).toBe(mine.length);
    expect(new Set(pytest.map((p) => p.sandboxId)).size).toBe(mine.length);
    expect(r.stderr).toContain('sandbox pool');
  });

  it('the summary says how many sandboxes were made and how many tasks each served', async () => {
    box.write('tasks.jsonl', tasks(2));
    const r = await ptc(args('--sandbox-concurrency', '1'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sandboxes: 1 created, 1 deleted · tasks per sandbox 2/);
  });

  it('daytona.pool false: every task a fresh sandbox of its own', async () => {
    box.write('tasks.jsonl', tasks(3));
    box.write('.ptcrc.json', JSON.stringify({ daytona: { pool: false } }));
    const before = daytona.created.length;
    const r = await ptc(args('--sandbox-concurrency', '3', '--json'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    expect(daytona.created.length - before).toBe(3);
    expect(JSON.parse(r.stdout).totals.sandboxes).toBeUndefined();
  });
});
