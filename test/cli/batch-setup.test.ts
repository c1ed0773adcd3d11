import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pythonReply, type Answer, type ScriptedProvider, startScriptedProvider } from '../batch/scripted-provider.js';
import { makeSandbox, ROOT, runPtc, type Sandbox } from './harness.js';

// The built CLI (`npm run build` first), as CI scripts call it: exit codes tell a set-up problem from failing code.

const KEY = 'fake-openai-key-batch-setup-0001';
const idIn = (prompt: string) => /TASK:(\w+)/.exec(prompt)?.[1] ?? 'unknown';
const good = (id: string, extra: Partial<Extract<Answer, { text: string }>> = {}): Answer => ({
  text: pythonReply(`m_${id}`, `f_${id}`, `def f_${id}():\n    return 1`, `def test_f_${id}():\n    assert f_${id}() == 1`),
  ...extra,
});
const jsonl = (ids: string[]) => ids.map((id) => JSON.stringify({ id, prompt: `TASK:${id} make f_${id}` })).join('\n') + '\n';
const ids = (n: number, p = 't') => Array.from({ length: n }, (_, i) => `${p}${i + 1}`);

let box: Sandbox;
let fake: ScriptedProvider | null = null;

beforeAll(() => {
  readFileSync(join(ROOT, 'dist/cli/main.js')); // fail early and clearly when the build is missing
});
beforeEach(() => {
  box = makeSandbox({ PTC_PROVIDER: 'openai', PTC_MODEL: 'fake-model' });
});
afterEach(async () => {
  await fake?.close();
  fake = null;
  box.cleanup();
});

const withKey = (key = KEY) => ({ ...box.env, OPENAI_API_KEY: key });
const batch = (...extra: string[]) => ['batch', 'tasks.jsonl', '--base-url', fake!.url, '--out', 'out', '--no-run', ...extra];
const statuses = (stdout: string) => JSON.parse(stdout).tasks.map((t: { id: string; status: string }) => `${t.id}:${t.status}`);

describe('ptc batch tells set-up from failure', () => {
  it('without a key: exit 2 before any request, nothing recorded; with the key the rerun runs all 12', async () => {
    fake = await startScriptedProvider((p) => good(idIn(p)));
    box.write('tasks.jsonl', jsonl(ids(12)));
    const first = await runPtc(batch('--json'), { cwd: box.cwd, env: box.env });
    expect(first.code, first.stderr).toBe(2);
    expect(fake.seen).toHaveLength(0);
    expect(first.stderr).toContain('OPENAI_API_KEY');
    expect(first.stderr).toContain('nothing was sent to the model');
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'missing_key' } });
    expect(existsSync(join(box.cwd, 'out', '.ptc-batch.jsonl'))).toBe(false);

    const second = await runPtc(batch('--json'), { cwd: box.cwd, env: withKey() });
    expect(second.code, second.stderr).toBe(0);
    expect(fake.seen).toHaveLength(12);
    expect(JSON.parse(second.stdout).totals).toMatchObject({ tasks: 12, passed: 12, resumed: 0 });
    expect(second.stdout + second.stderr).not.toContain(KEY);
  }, 60_000);

  it('with a refused key: exactly one request, exit 3, the rest not started and not recorded', async () => {
    let refuse = true;
    fake = await startScriptedProvider((p) =>
      refuse ? { status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } } : good(idIn(p)),
    );
    box.write('tasks.jsonl', jsonl(ids(12)));
    const first = await runPtc(batch('--concurrency', '4', '--json'), { cwd: box.cwd, env: withKey('fake-wrong-key-000000') });
    expect(first.code, first.stderr).toBe(3);
    expect(fake.seen).toHaveLength(1);
    const doc = JSON.parse(first.stdout);
    expect(doc).toMatchObject({ ok: false, exitCode: 3, stoppedBy: { code: 'provider_auth' } });
    expect(doc.tasks.filter((t: { status: string }) => t.status === 'error')).toHaveLength(1);
    expect(doc.tasks.filter((t: { error: { code: string } | null }) => t.error?.code === 'batch_stopped')).toHaveLength(11);
    expect(first.stderr).toMatch(/the batch stopped at task t\d+: .*rejected the API key/);
    expect(first.stderr).toContain('tasks not started are not recorded');
    expect(existsSync(join(box.cwd, 'out', '.ptc-batch.jsonl'))).toBe(false);

    refuse = false;
    const second = await runPtc(batch('--concurrency', '4', '--json'), { cwd: box.cwd, env: withKey() });
    expect(second.code, second.stderr).toBe(0);
    expect(fake.seen).toHaveLength(13);
    expect(JSON.parse(second.stdout).totals).toMatchObject({ passed: 12, resumed: 0 });
  }, 60_000);

  it('an unknown model (404) also stops the batch after one request, with exit 3', async () => {
    fake = await startScriptedProvider(() => ({ status: 404, body: { error: { message: 'The model `fake-model` does not exist', type: 'invalid_request_error' } } }));
    box.write('tasks.jsonl', jsonl(ids(5)));
    const r = await runPtc(batch('--concurrency', '3', '--json'), { cwd: box.cwd, env: withKey() });
    expect(r.code, r.stderr).toBe(3);
    expect(fake.seen).toHaveLength(1);
    expect(JSON.parse(r.stdout).stoppedBy.code).toBe('provider_model_not_found');
  }, 60_000);

  it('--retry-failed reruns the tasks that ended in an error, not those whose tests failed', async () => {
    let broken = true;
    fake = await startScriptedProvider((p) => {
      const id = idIn(p);
      if (id === 'bad') return broken ? { text: 'Sorry, I cannot write that.' } : good(id);
      if (id === 'red') return { text: pythonReply('m_red', 'f_red', 'def f_red():\n    return 2', 'def test_f_red():\n    assert f_red() == 1') };
      return good(id);
    });
    box.write('tasks.jsonl', jsonl(['ok', 'bad', 'red']));
    const args = ['batch', 'tasks.jsonl', '--base-url', fake.url, '--out', 'out', '--run', '--json'];
    const first = await runPtc(args, { cwd: box.cwd, env: withKey() });
    expect(first.code, first.stderr).toBe(1);
    expect(statuses(first.stdout)).toEqual(['ok:passed', 'bad:error', 'red:failed']);
    expect(fake.seen).toHaveLength(3);

    broken = false;
    const again = await runPtc(args, { cwd: box.cwd, env: withKey() });
    expect(again.code).toBe(1);
    expect(fake.seen).toHaveLength(3); // without the flag an error stands as recorded

    const retried = await runPtc([...args, '--retry-failed'], { cwd: box.cwd, env: withKey() });
    expect(fake.seen.slice(3).map((s) => idIn(s.prompt))).toEqual(['bad']);
    expect(statuses(retried.stdout)).toEqual(['ok:passed', 'bad:passed', 'red:failed']);
    expect(retried.code).toBe(1);
  }, 90_000);

  it('--max-cost is never passed, even with 4 tasks in flight: each call reserves its worst case first', async () => {
    // $1 per 1M input tokens, $1000 per 1M output: a call with --max-tokens 1000 costs up to about $1.00.
    fake = await startScriptedProvider((p) => good(idIn(p), { promptTokens: 100, completionTokens: 1000, delayMs: 50 }));
    box.write('.ptcrc.json', JSON.stringify({ pricing: { 'openai/fake-model': { input: 1, output: 1000 } } }));
    box.write('tasks.jsonl', jsonl(ids(12)));
    const r = await runPtc(batch('--concurrency', '4', '--max-tokens', '1000', '--max-cost', '3.5', '--json'), { cwd: box.cwd, env: withKey() });
    const doc = JSON.parse(r.stdout);
    expect(r.code, r.stderr).toBe(1);
    expect(doc.totals.cost.usd).toBeLessThanOrEqual(3.5);
    expect(fake.seen).toHaveLength(3);
    expect(doc.totals).toMatchObject({ passed: 3, skipped: 9 });
    for (const t of doc.tasks.filter((x: { status: string }) => x.status === 'skipped')) expect(t.error.code).toBe('batch_budget_spent');
    expect(existsSync(join(box.cwd, 'out', '.ptc-batch.jsonl'))).toBe(true);
  }, 60_000);

  it('--shard 1/3, 2/3, 3/3 are disjoint and cover every task once; batch merge joins them in file order', async () => {
    fake = await startScriptedProvider((p) => good(idIn(p)));
    const all = ids(7, 's');
    box.write('tasks.jsonl', jsonl(all));
    const parts: string[][] = [];
    for (const i of [1, 2, 3]) {
      const r = await runPtc(['batch', 'tasks.jsonl', '--base-url', fake.url, '--out', `out${i}`, '--no-run', '--shard', `${i}/3`, '--json'], { cwd: box.cwd, env: withKey() });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.shard).toEqual({ index: i, count: 3, tasksInFile: 7 });
      parts.push(doc.tasks.map((t: { id: string }) => t.id));
      writeFileSync(join(box.cwd, `shard${i}.json`), r.stdout);
    }
    expect(parts).toEqual([['s1', 's4', 's7'], ['s2', 's5'], ['s3', 's6']]);
    expect(fake.seen.map((s) => idIn(s.prompt)).sort()).toEqual([...all].sort());

    const merged = await runPtc(['batch', 'merge', 'shard1.json', 'shard2.json', 'shard3.json', '--json'], { cwd: box.cwd, env: box.env });
    expect(merged.code, merged.stderr).toBe(0);
    const doc = JSON.parse(merged.stdout);
    expect(doc.tasks.map((t: { id: string }) => t.id)).toEqual(all);
    expect(doc.totals).toMatchObject({ tasks: 7, passed: 7 });
    expect(fake.seen).toHaveLength(7);

    const text = await runPtc(['batch', 'merge', 'shard1.json', 'shard3.json'], { cwd: box.cwd, env: box.env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/total: 5\/5 passed/);
    expect(text.stderr).toContain('missing shard 2/3');

    const overlap = await runPtc(['batch', 'merge', 'shard1.json', 'shard2.json', 'shard1.json'], { cwd: box.cwd, env: box.env });
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toContain('"s1" (shard1.json and shard1.json)');

    const bad = await runPtc(['batch', 'tasks.jsonl', '--shard', '4/3'], { cwd: box.cwd, env: withKey() });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')[0]).toBe('ptc: --shard must be <i>/<n> with 1 ≤ i ≤ n, got "4/3"');
    expect(fake.seen).toHaveLength(7);
  }, 90_000);

  it('a shard resumes on its own: its rerun skips its finished tasks', async () => {
    fake = await startScriptedProvider((p) => good(idIn(p)));
    box.write('tasks.jsonl', jsonl(ids(4, 'r')));
    const args = ['batch', 'tasks.jsonl', '--base-url', fake.url, '--out', 'out', '--no-run', '--shard', '2/2', '--json'];
    expect((await runPtc(args, { cwd: box.cwd, env: withKey() })).code).toBe(0);
    const other = await runPtc(['batch', 'tasks.jsonl', '--base-url', fake.url, '--out', 'out', '--no-run', '--shard', '1/2', '--json'], { cwd: box.cwd, env: withKey() });
    expect(JSON.parse(other.stdout).totals).toMatchObject({ tasks: 2, resumed: 0 });
    const again = await runPtc(args, { cwd: box.cwd, env: withKey() });
    expect(JSON.parse(again.stdout).totals).toMatchObject({ tasks: 2, resumed: 2 });
    expect(fake.seen.map((s) => idIn(s.prompt)).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
  }, 60_000);
});
