import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pythonReply, type ScriptedProvider, startScriptedProvider } from '../batch/scripted-provider.js';
import { makeSandbox, ROOT, runPtc, type Sandbox } from './harness.js';

// The built CLI: a reply, once paid for, is never lost, and what can be checked before paying is.

const KEY = 'fake-openai-key-paid-reply-0001';
const REPLY = pythonReply('calc', 'add', 'def add(a, b):\n    return a + b', 'def test_add():\n    assert add(2, 3) == 5');

let box: Sandbox;
let fake: ScriptedProvider;

beforeAll(() => {
  readFileSync(join(ROOT, 'dist/cli/main.js'));
});
beforeEach(async () => {
  box = makeSandbox({ PTC_PROVIDER: 'openai', PTC_MODEL: 'fake-model', OPENAI_API_KEY: KEY });
  fake = await startScriptedProvider(() => ({ text: REPLY }));
});
afterEach(async () => {
  await fake.close();
  box.cleanup();
});

const generate = (...extra: string[]) => ['generate', 'add two numbers', '--base-url', fake.url, ...extra];

describe('a paid reply is never lost', () => {
  it('a refused overwrite after the call: exit 2, the error names the saved reply, and ptc apply uses it without a request', async () => {
    box.write('calc/calc.py', '# my own calc\n');
    const r = await runPtc(generate('--out', 'calc', '--json'), { cwd: box.cwd, env: box.env });
    expect(r.code, r.stderr).toBe(2);
    expect(fake.seen).toHaveLength(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('overwrite_refused');
    const saved: string = doc.error.replyFile;
    expect(saved.startsWith(join(box.cwd, 'calc', '.ptc', 'replies') + '/')).toBe(true);
    expect(doc.replyFiles).toEqual([saved]);
    expect(readFileSync(saved, 'utf8')).toBe(REPLY);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    const rel = saved.slice(box.cwd.length + 1);
    expect(doc.error.hint).toContain(`ptc apply ${rel} --out calc --force`);
    expect(readFileSync(join(box.cwd, 'calc', 'calc.py'), 'utf8')).toBe('# my own calc\n');

    // The same in text: the hint line on stderr names the file and the free way on.
    box.write('calc2/calc.py', '# mine too\n');
    const text = await runPtc(generate('--out', 'calc2'), { cwd: box.cwd, env: box.env });
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/refusing to overwrite existing files: calc\.py/);
    expect(text.stderr).toMatch(/hint: .*the paid reply is saved; `ptc apply calc2\/\.ptc\/replies\/[^ ]+\.md --out calc2 --force` uses it without a new model call/);
    expect(fake.seen).toHaveLength(2);

    const applied = await runPtc(['apply', rel, '--out', 'calc', '--force', '--json'], { cwd: box.cwd, env: box.env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(readFileSync(join(box.cwd, 'calc', 'calc.py'), 'utf8')).toContain('def add(a, b)');
    expect(fake.seen).toHaveLength(2);
    expect(r.stdout + r.stderr + readFileSync(saved, 'utf8')).not.toContain(KEY);
  }, 60_000);

  it('--dry-run shows the files themselves (a diff against what is there) and keeps the reply in the state directory', async () => {
    box.write('calc/calc.py', 'def add(a, b):\n    return a - b\n');
    const r = await runPtc(generate('--out', 'calc', '--dry-run'), { cwd: box.cwd, env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(fake.seen).toHaveLength(1);
    expect(r.stdout).toContain('--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b');
    expect(r.stdout).toContain('--- /dev/null\n+++ b/test_calc.py\n@@ -0,0 +1,4 @@\n+from calc import add');
    expect(existsSync(join(box.cwd, 'calc', '.ptc'))).toBe(false);
    const stateReplies = join(box.dir, 'data', 'ptc', 'replies');
    expect(readdirSync(stateReplies)).toHaveLength(1);

    const help = await runPtc(['generate', '--help'], { cwd: box.cwd, env: box.env });
    expect(help.stdout).toMatch(/--dry-run\s+call the model \(a paid call\)/);
  }, 60_000);
});

describe('checked before paying', () => {
  it('--sandbox daytona without DAYTONA_API_KEY: exit 2 and no request, from generate and from batch', async () => {
    const r = await runPtc(generate('--run', '--sandbox', 'daytona', '--out', 'd'), { cwd: box.cwd, env: box.env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('DAYTONA_API_KEY');
    expect(fake.seen).toHaveLength(0);
    expect(existsSync(join(box.cwd, 'd'))).toBe(false);

    box.write('tasks.jsonl', `${JSON.stringify({ id: 'd1', prompt: 'add two numbers' })}\n${JSON.stringify({ id: 'd2', prompt: 'subtract' })}\n`);
    const b = await runPtc(['batch', 'tasks.jsonl', '--base-url', fake.url, '--run', '--sandbox', 'daytona', '--json'], { cwd: box.cwd, env: box.env });
    expect(b.code, b.stderr).toBe(2);
    expect(JSON.parse(b.stdout).error.code).toBe('missing_key');
    expect(fake.seen).toHaveLength(0);
  }, 60_000);

  it('an output path that is a file: exit 2 before the call', async () => {
    box.write('taken', 'a file, not a folder\n');
    const r = await runPtc(generate('--out', 'taken'), { cwd: box.cwd, env: box.env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('exists and is not a folder');
    expect(fake.seen).toHaveLength(0);
  }, 30_000);
});
