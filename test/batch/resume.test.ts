import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, ROOT, runPtc, type Sandbox } from '../cli/harness.js';
import { fakeEnv, jsonl } from './helpers.js';
import { pythonReply, type ScriptedProvider, startScriptedProvider } from './scripted-provider.js';

// These run the built CLI (`npm run build` first), because only a real process can be killed mid-batch.

const idIn = (prompt: string) => /TASK:(\w+)/.exec(prompt)?.[1] ?? 'unknown';
const answer = (id: string) => ({
  text: pythonReply(`m_${id}`, `f_${id}`, `def f_${id}():\n    return 1`, `def test_f_${id}():\n    assert f_${id}() == 1`),
});
const IDS = ['r1', 'r2', 'r3', 'r4'];

let box: Sandbox;
let fake: ScriptedProvider | null = null;

beforeAll(() => {
  // fail early and clearly when the build is missing
  readFileSync(join(ROOT, 'dist/cli/main.js'));
});
beforeEach(() => {
  box = makeSandbox();
  box.write('tasks.jsonl', jsonl(IDS.map((id) => ({ id, prompt: `TASK:${id} make f_${id}` }))));
});
afterEach(async () => {
  await fake?.close();
  fake = null;
  box.cleanup();
});

/** Starts the batch and kills it with `signal` once the third task is waiting on the model. */
async function killWhileR3Runs(signal: NodeJS.Signals) {
  let hang = true;
  fake = await startScriptedProvider((p) => (idIn(p) === 'r3' && hang ? { ...answer('r3'), delayMs: 30_000 } : answer(idIn(p))));
  let pid = 0;
  const args = ['batch', 'tasks.jsonl', '--base-url', fake.url, '--out', 'out', '--concurrency', '1', '--no-run', '--json'];
  const running = runPtc(args, { cwd: box.cwd, env: fakeEnv(box.env), onSpawn: (p) => (pid = p), timeoutMs: 30_000 });
  for (let i = 0; i < 300 && !fake.seen.some((s) => idIn(s.prompt) === 'r3'); i++) await new Promise((r) => setTimeout(r, 50));
  expect(fake.seen.map((s) => idIn(s.prompt))).toEqual(['r1', 'r2', 'r3']);
  process.kill(pid, signal);
  const first = await running;
  hang = false;
  return { first, args };
}

describe('ptc batch resumes', () => {
  it('after a kill: the rerun skips the finished tasks and does the rest', async () => {
    const { first, args } = await killWhileR3Runs('SIGKILL');
    expect(first.signal).toBe('SIGKILL');
    const state = readFileSync(join(box.cwd, 'out', '.ptc-batch.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    expect(state).toEqual(['r1', 'r2']);

    const before = fake!.seen.length;
    const second = await runPtc(args, { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(second.code, second.stderr).toBe(0);
    expect(fake!.seen.slice(before).map((s) => idIn(s.prompt))).toEqual(['r3', 'r4']);
    const doc = JSON.parse(second.stdout);
    expect(doc.tasks.map((t: { id: string; status: string; resumed?: boolean }) => [t.id, t.status, Boolean(t.resumed)])).toEqual([
      ['r1', 'passed', true],
      ['r2', 'passed', true],
      ['r3', 'passed', false],
      ['r4', 'passed', false],
    ]);
    expect(doc.totals).toMatchObject({ tasks: 4, passed: 4, resumed: 2 });
  }, 60_000);

  it('after SIGTERM: exits 143, reports the task in flight as interrupted and does not record it', async () => {
    const { first, args } = await killWhileR3Runs('SIGTERM');
    expect(first.code).toBe(143);
    const doc = JSON.parse(first.stdout);
    expect(doc.exitCode).toBe(143);
    expect(doc.tasks.map((t: { status: string }) => t.status)).toEqual(['passed', 'passed', 'interrupted', 'interrupted']);
    expect(first.stderr).toContain('run the same command again');

    const second = await runPtc(args, { cwd: box.cwd, env: fakeEnv(box.env) });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).totals).toMatchObject({ passed: 4, resumed: 2 });
  }, 60_000);
});
