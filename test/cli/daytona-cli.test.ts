import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';
import { BIN, makeSandbox, runPtc, type Sandbox } from './harness.js';

const KEY = 'dtn_test_canary_0123456789abcdef';

const REPLY = [
  '```python path=calc.py',
  'def add(a, b):',
  '    return a + b',
  '```',
  '',
  '```python path=test_calc.py',
  'from calc import add',
  '',
  'def test_add():',
  '    assert add(2, 2) == 4',
  '',
  'def test_wrong():',
  '    assert add(2, 2) == 5',
  '```',
].join('\n');

let fake: DaytonaFake;
let sb: Sandbox;
beforeAll(async () => {
  fake = await startDaytonaFake({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  sb = makeSandbox({ DAYTONA_API_KEY: KEY, DAYTONA_API_URL: fake.apiUrl });
  sb.write('reply.md', REPLY);
});
afterEach(() => sb.cleanup());

describe('the daytona sandbox through the CLI', () => {
  it('is the default when a Daytona key is set; runs, reports per test, deletes the sandbox', async () => {
    const before = fake.created.length;
    const r = await runPtc(['apply', 'reply.md', '--out', 'calc', '--run', '--json'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(1);
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.tests).toMatchObject({ ran: true, sandbox: 'daytona', passed: 1, failed: 1 });
    expect(result.tests!.cases.find((c) => c.status === 'failed')!.name).toBe('test_wrong');
    const mine = fake.created.slice(before);
    expect(mine).toHaveLength(1);
    expect(fake.deleted).toEqual(expect.arrayContaining(mine));
    expect(r.stdout + r.stderr).not.toContain(KEY);
    // The commands ran in a session, in the background, polled; none in one long HTTP request.
    const toolbox = fake.requests.filter((q) => q.path.startsWith(`/toolbox/${mine[0]}/`)).map((q) => q.route);
    expect(toolbox).toContain('POST /process/session');
    expect(toolbox).toContain('POST /process/session/:id/exec');
    expect(toolbox).toContain('GET /process/session/:id/command/:id');
    expect(toolbox).toContain('GET /process/session/:id/command/:id/logs');
    expect(toolbox).not.toContain('POST /process/execute');
  });

  it('deletes the sandbox when interrupted mid-run (exit 130)', async () => {
    sb.write('slow.md', REPLY.replace('def test_add():', 'import time\n\ndef test_add():\n    time.sleep(30)'));
    const before = fake.created.length;
    const requestsBefore = fake.requests.length;
    const child = spawn(process.execPath, [BIN, 'apply', 'slow.md', '--out', 'slow', '--run'], { cwd: sb.cwd, env: sb.env, stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    // Wait until the test command is executing inside the sandbox (the command itself travels encoded).
    while (Date.now() < deadline && !fake.requests.slice(requestsBefore).some((q) => q.route === 'POST /process/session/:id/exec')) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 300));
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);
    const mine = fake.created.slice(before);
    expect(mine).toHaveLength(1);
    expect(fake.deleted).toEqual(expect.arrayContaining(mine));
  });

  it('a wrong key is a sandbox auth error that names the variable (exit 4)', async () => {
    const r = await runPtc(['apply', 'reply.md', '--out', 'bad', '--run', '--json'], { cwd: sb.cwd, env: { ...sb.env, DAYTONA_API_KEY: 'dtn_test_wrong_key_0000000000' } });
    expect(r.code).toBe(4);
    const result = JSON.parse(r.stdout);
    expect(result.error.code).toBe('sandbox_auth');
    expect(r.stdout + r.stderr).not.toContain('dtn_test_wrong_key_0000000000');
  });

  it('sandbox prune lists and deletes only ptc sandboxes', async () => {
    const leftover = fake.seed({ app: 'ptc', 'ptc-run': 'old-run' });
    const foreign = fake.seed({ app: 'other' });
    const dry = await runPtc(['sandbox', 'prune', '--dry-run'], { cwd: sb.cwd, env: sb.env });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(leftover);
    expect(fake.deleted).not.toContain(leftover);
    const r = await runPtc(['sandbox', 'prune', '--json'], { cwd: sb.cwd, env: sb.env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).deleted).toContain(leftover);
    expect(fake.deleted).toContain(leftover);
    expect(fake.deleted).not.toContain(foreign);
  });
});
