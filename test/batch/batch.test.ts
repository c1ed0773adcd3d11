import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHistoryForReading } from '../../src/history/store.js';
import { makeSandbox, type Sandbox } from '../cli/harness.js';
import { FAKE_KEY, fakeEnv, jsonl, ptc } from './helpers.js';
import { type Answer, pythonReply, type ScriptedProvider, startScriptedProvider } from './scripted-provider.js';

/** Each task asks for `double_<id>`; the fake answers each with its own module, so a mix-up shows. */
const taskPrompt = (id: string) => `TASK:${id} write double_${id}(x) returning 2*x`;
const idIn = (prompt: string) => /TASK:(\w+)/.exec(prompt)?.[1] ?? 'unknown';
const goodAnswer = (id: string, extra: Partial<Extract<Answer, { text: string }>> = {}): Answer => ({
  text: pythonReply(`mod_${id}`, `double_${id}`, `def double_${id}(x):\n    return 2 * x`, `def test_double_${id}():\n    assert double_${id}(21) == 42`),
  ...extra,
});

let box: Sandbox;
let fake: ScriptedProvider | null = null;

beforeEach(() => {
  box = makeSandbox();
});
afterEach(async () => {
  await fake?.close();
  fake = null;
  box.cleanup();
});

function batchArgs(...extra: string[]): string[] {
  return ['batch', 'tasks.jsonl', '--base-url', fake!.url, '--out', 'out', ...extra];
}

describe('ptc batch', () => {
  it('reports every invalid line with its number and runs nothing', async () => {
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p)));
    box.write(
      'tasks.jsonl',
      [
        JSON.stringify({ id: 'ok1', prompt: taskPrompt('ok1') }),
        '{"id": "broken", "prompt": ',
        JSON.stringify({ id: 'ok1', prompt: 'again' }),
        JSON.stringify({ id: 'x', prompt: 'p', fixx: 2 }),
        JSON.stringify({ id: '../escape', prompt: 'p' }),
        JSON.stringify({ id: 'y', prompt: 'p', lang: 'cobol' }),
      ].join('\n'),
    );
    const r = await ptc(batchArgs('--json'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code).toBe(2);
    for (const line of [2, 3, 4, 5, 6]) expect(r.stderr).toContain(`line ${line}:`);
    expect(r.stderr).not.toContain('line 1:');
    expect(r.stderr).toContain('already used on line 1');
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, exitCode: 2, error: { code: 'batch_invalid_tasks' } });
    expect(fake.seen).toHaveLength(0);
    expect(existsSync(join(box.cwd, 'out'))).toBe(false);
  });

  it('gives each task its own answer and reports in file order, whatever order they finish in', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    // The batch's first call goes alone (it proves the key and the model for the rest); which task reaches it
    // first is a race. The earlier tasks answer slowest, so they finish last.
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p), { delayMs: idIn(p) === 'first' ? 0 : (ids.length - ids.indexOf(idIn(p))) * 300 }));
    box.write('tasks.jsonl', jsonl([{ id: 'first', prompt: taskPrompt('first'), run: false }, ...ids.map((id) => ({ id, prompt: taskPrompt(id) }))]));
    const r = await ptc(batchArgs('--concurrency', '3', '--run', '--json'), { cwd: box.cwd, env: fakeEnv(box.env) });
    const doc = JSON.parse(r.stdout);
    expect(r.code, r.stderr).toBe(0);
    expect(doc.tasks.map((t: { id: string }) => t.id)).toEqual(['first', ...ids]);
    expect(fake.seen).toHaveLength(6);
    expect(fake.maxInFlight).toBe(3);
    for (const t of doc.tasks.slice(1)) {
      expect(t).toMatchObject({ status: 'passed', ok: true, tests: { ran: true, passed: 1, failed: 0 } });
      expect(t.outDir).toBe(join(box.cwd, 'out', t.id));
      expect(readFileSync(join(t.outDir, `mod_${t.id}.py`), 'utf8')).toContain(`def double_${t.id}`);
    }
    expect(doc.totals).toMatchObject({ tasks: 6, passed: 6, failed: 0, tests: { passed: 5, total: 5 } });
    expect(doc.totals.usage.outputTokens).toBe(6 * 50);
    expect(r.stdout + r.stderr).not.toContain(FAKE_KEY);
  });

  it('--llm-concurrency bounds the model calls in flight below the tasks in flight', async () => {
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p), { delayMs: 80 }));
    box.write('tasks.jsonl', jsonl(['l1', 'l2', 'l3'].map((id) => ({ id, prompt: taskPrompt(id) }))));
    const r = await ptc(batchArgs('--concurrency', '3', '--llm-concurrency', '1', '--no-run', '--json'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    expect(fake.seen).toHaveLength(3);
    expect(fake.maxInFlight).toBe(1);
  });

  it('slows the whole batch after a 429: no task starts a call before the server\'s wait is over', async () => {
    const waitMs = 400;
    fake = await startScriptedProvider((p, nth) => {
      const id = idIn(p);
      if (id === 't1' && nth === 0) return { status: 429, headers: { 'retry-after-ms': String(waitMs) } };
      return goodAnswer(id, { delayMs: 20 });
    });
    box.write('tasks.jsonl', jsonl(['t1', 't2', 't3', 't4'].map((id) => ({ id, prompt: taskPrompt(id) }))));
    const r = await ptc(batchArgs('--concurrency', '2', '--no-run', '--json'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    const limited = fake.seen.find((s) => s.status === 429)!;
    const later = fake.seen.filter((s) => ['t3', 't4'].includes(idIn(s.prompt)));
    expect(later).toHaveLength(2);
    // t2 finished long before the wait was over; without a shared back-off t3 would have asked right then.
    for (const s of later) expect(s.at - limited.at).toBeGreaterThanOrEqual(waitMs - 50);
    expect(JSON.parse(r.stdout).totals.backoffs).toBe(1);
    expect(r.stderr).toMatch(/\[t1\].*429/);
  });

  it('reads the rc files once for the whole batch: a file\'s warning is given once, not again in each task', async () => {
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p)));
    spawnSync('git', ['init', '-q'], { cwd: box.cwd });
    // A literal key in an untracked rc file: every reading of the file warns about it.
    box.write('.ptcrc.json', JSON.stringify({ providers: { openai: { apiKey: FAKE_KEY } } }));
    box.write('tasks.jsonl', jsonl(['w1', 'w2'].map((id) => ({ id, prompt: taskPrompt(id) }))));
    const r = await ptc(batchArgs('--no-run', '--json'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/holds a literal API key/g)).toHaveLength(1);
    for (const t of JSON.parse(r.stdout).tasks) expect(t.warnings.join('\n')).not.toContain('literal API key');
  });

  it('stops starting tasks once the batch budget is spent and reports the rest as skipped', async () => {
    // 100k input + 50k output tokens at $1 per 1M each: $0.15 a call.
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p), { promptTokens: 100_000, completionTokens: 50_000 }));
    box.write('.ptcrc.json', JSON.stringify({ pricing: { 'openai/fake-model': { input: 1, output: 1 } } }));
    box.write('tasks.jsonl', jsonl(['b1', 'b2', 'b3', 'b4'].map((id) => ({ id, prompt: taskPrompt(id) }))));
    const r = await ptc(batchArgs('--concurrency', '1', '--no-run', '--max-cost', '0.25', '--max-tokens', '100', '--json'), {
      cwd: box.cwd,
      env: fakeEnv(box.env),
    });
    const doc = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    expect(doc.tasks.map((t: { status: string }) => t.status)).toEqual(['passed', 'passed', 'skipped', 'skipped']);
    expect(doc.tasks[2].error.code).toBe('batch_budget_spent');
    expect(fake.seen).toHaveLength(2);
    expect(doc.totals).toMatchObject({ skipped: 2, passed: 2, cost: { usd: 0.3, source: 'catalog' } });
  });

  it('streams one line per finished task with --jsonl, then the totals', async () => {
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p)));
    box.write('tasks.jsonl', jsonl(['j1', 'j2'].map((id) => ({ id, prompt: taskPrompt(id) }))));
    const r = await ptc(batchArgs('--no-run', '--jsonl'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines.slice(0, 2).map((l) => l.id).sort()).toEqual(['j1', 'j2']);
    expect(lines[2]).toMatchObject({ schemaVersion: 1, ok: true, exitCode: 0, totals: { tasks: 2, passed: 2 } });
  });

  it('prints a table with tests, rounds, cost and time, and a total line', async () => {
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p)));
    box.write('tasks.jsonl', jsonl([{ id: 'tab1', prompt: taskPrompt('tab1') }]));
    const r = await ptc(batchArgs('--run'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/task\s+status\s+tests\s+rounds\s+cost\s+time/);
    expect(r.stdout).toMatch(/tab1\s+passed\s+1\/1\s+1\s/);
    expect(r.stdout).toMatch(/total: 1\/1 passed · tests 1\/1/);
  });

  it('records every call in the spend history, never the key', async () => {
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p), { delayMs: 40 }));
    box.write('tasks.jsonl', jsonl(['h1', 'h2', 'h3'].map((id) => ({ id, prompt: taskPrompt(id) }))));
    const r = await ptc(batchArgs('--no-run'), { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(r.code, r.stderr).toBe(0);
    const db = join(box.dir, 'data', 'ptc', 'history.sqlite');
    expect(readFileSync(`${db}.journal`).includes(FAKE_KEY)).toBe(false);
    const usage = await ptc(['usage', '--by', 'model', '--json'], { cwd: box.cwd, env: box.env });
    expect(readFileSync(db).includes(FAKE_KEY)).toBe(false);
    const doc = JSON.parse(usage.stdout);
    expect(doc.rows).toEqual([expect.objectContaining({ key: 'openai/fake-model', calls: 3 })]);
    expect(doc.total.usage).toMatchObject({ outputTokens: 150, inputTokens: 300 });
    const history = (await openHistoryForReading(db))!;
    const rows = history.exec('SELECT command, task, duration_ms, outcome FROM calls ORDER BY task')[0]!.values;
    history.close();
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual([['batch', 'h1', 'ok'], ['batch', 'h2', 'ok'], ['batch', 'h3', 'ok']]);
    for (const r of rows) expect(r[2]).toBeGreaterThanOrEqual(35);

    const off = await ptc([...batchArgs('--no-run', '--no-history'), '--out', 'out2'], { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(off.code).toBe(0);
    const after = JSON.parse((await ptc(['usage', '--json'], { cwd: box.cwd, env: box.env })).stdout);
    expect(after.total.calls).toBe(3);
  });

  it('takes tasks from stdin with "-"', async () => {
    fake = await startScriptedProvider((p) => goodAnswer(idIn(p)));
    const r = await ptc(['batch', '-', '--base-url', fake.url, '--out', 'out', '--no-run', '--json'], {
      cwd: box.cwd,
      env: fakeEnv(box.env),
      input: jsonl([{ id: 's1', prompt: taskPrompt('s1') }]),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tasks[0]).toMatchObject({ id: 's1', status: 'passed' });
  });
});

