import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { startDaytonaFake } from '../fakes/daytona-server.js';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { BIN } from './harness.js';
import { useCliSandbox, useFake } from './with-fake.js';

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

const daytona = useFake(() => startDaytonaFake({ apiKey: KEY }));
const cli = useCliSandbox(
  () => ({ DAYTONA_API_KEY: KEY, DAYTONA_API_URL: daytona.fake.apiUrl }),
  (sb) => sb.write('reply.md', REPLY),
);

describe('the daytona sandbox through the CLI', () => {
  it('is the default when a Daytona key is set; runs, reports per test, deletes the sandbox', async () => {
    const before = daytona.fake.created.length;
    const r = await cli.run(['apply', 'reply.md', '--out', 'calc', '--run', '--json']);
    expect(r.code).toBe(1);
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.tests).toMatchObject({ ran: true, sandbox: 'daytona', passed: 1, failed: 1 });
    expect(result.tests!.cases.find((c) => c.status === 'failed')!.name).toBe('test_wrong');
    const mine = daytona.fake.created.slice(before);
    expect(mine).toHaveLength(1);
    expect(daytona.fake.deleted).toEqual(expect.arrayContaining(mine));
    expect(r.stdout + r.stderr).not.toContain(KEY);
    // The commands ran in a session, in the background, polled; none in one long HTTP request.
    const toolbox = daytona.fake.requests.filter((q) => q.path.startsWith(`/toolbox/${mine[0]}/`)).map((q) => q.route);
    expect(toolbox).toContain('POST /process/session');
    expect(toolbox).toContain('POST /process/session/:id/exec');
    expect(toolbox).toContain('GET /process/session/:id/command/:id');
    expect(toolbox).toContain('GET /process/session/:id/command/:id/logs');
    expect(toolbox).not.toContain('POST /process/execute');
    // Daytona's default image has no pytest: it was installed in this sandbox before the tests could run.
    expect(daytona.fake.pipInstalls().filter((p) => p.sandboxId === mine[0] && p.args.includes('pytest'))).toHaveLength(1);
  });

  it('with daytona.snapshot set, runs in that snapshot and installs nothing', async () => {
    daytona.fake.seedSnapshot('ptc-cli-snap', ['pytest']);
    cli.sb.write('.ptcrc.json', JSON.stringify({ daytona: { snapshot: 'ptc-cli-snap' } }));
    const before = daytona.fake.created.length;
    const r = await cli.run(['apply', 'reply.md', '--out', 'snap', '--run', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).tests).toMatchObject({ ran: true, sandbox: 'daytona', passed: 1, failed: 1 });
    const mine = daytona.fake.created.slice(before);
    expect(mine).toHaveLength(1);
    const create = daytona.fake.requests.filter((q) => q.route === 'POST /sandbox').pop()!;
    expect(JSON.parse(create.body)).toMatchObject({ snapshot: 'ptc-cli-snap' });
    expect(daytona.fake.pipInstalls().filter((p) => p.sandboxId === mine[0])).toEqual([]);
  });

  it('snapshot create builds one through the SDK, shows progress and prints the rc line', async () => {
    const r = await cli.run(['sandbox', 'snapshot', 'create', '--name', 'ptc-cli-built']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('snapshot ptc-cli-built is active');
    expect(r.stdout).toContain('"daytona": { "snapshot": "ptc-cli-built" }');
    expect(r.stderr).toContain('Creating snapshot ptc-cli-built (building)');
    expect(r.stderr).toMatch(/Step \d+\/\d+ : RUN python -m pip install .*pytest/);
    expect(daytona.fake.snapshots.get('ptc-cli-built')?.state).toBe('active');
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('a quota 400 is exit 4 with its own message and hint; a 403 says which permission is missing', async () => {
    daytona.fake.failNext('POST /sandbox', 400, {
      statusCode: 400,
      error: 'Bad Request',
      message: 'Total memory limit exceeded. Maximum allowed: 10GiB.\nTo increase concurrency limits, upgrade your Tier.',
    });
    const quota = await cli.run(['apply', 'reply.md', '--out', 'q', '--run', '--json']);
    expect(quota.code).toBe(4);
    expect(JSON.parse(quota.stdout).error).toMatchObject({
      code: 'sandbox_quota',
      message: expect.stringContaining('Total memory limit exceeded. Maximum allowed: 10GiB.'),
      hint: expect.stringContaining('ptc sandbox prune'),
      retryable: false,
    });
    daytona.fake.failNext('POST /sandbox', 403, { statusCode: 403, error: 'Forbidden', message: 'Access denied' });
    const denied = await cli.run(['apply', 'reply.md', '--out', 'd', '--run']);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('write:sandboxes');
    expect(denied.stderr).not.toMatch(/quota/i);
  });

  it('deletes the sandbox when interrupted mid-run (exit 130)', async () => {
    cli.sb.write('slow.md', REPLY.replace('def test_add():', 'import time\n\ndef test_add():\n    time.sleep(30)'));
    const before = daytona.fake.created.length;
    const requestsBefore = daytona.fake.requests.length;
    const child = spawn(process.execPath, [BIN, 'apply', 'slow.md', '--out', 'slow', '--run'], { cwd: cli.sb.cwd, env: cli.sb.env, stdio: 'ignore' });
    // Wait until the test command is executing inside the sandbox (the command itself travels encoded) and
    // ptc is polling it.
    const exec = await daytona.fake.waitForRequest('POST /process/session/:id/exec', requestsBefore);
    await daytona.fake.waitForRequest('GET /process/session/:id/command/:id', daytona.fake.requests.indexOf(exec));
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);
    const mine = daytona.fake.created.slice(before);
    expect(mine).toHaveLength(1);
    expect(daytona.fake.deleted).toEqual(expect.arrayContaining(mine));
  });

  it('a wrong key is a sandbox auth error that names the variable (exit 4)', async () => {
    const r = await cli.run(['apply', 'reply.md', '--out', 'bad', '--run', '--json'], { env: { DAYTONA_API_KEY: 'dtn_test_wrong_key_0000000000' } });
    expect(r.code).toBe(4);
    const result = JSON.parse(r.stdout);
    expect(result.error.code).toBe('sandbox_auth');
    expect(r.stdout + r.stderr).not.toContain('dtn_test_wrong_key_0000000000');
  });

  it('sandbox prune lists and deletes only ptc sandboxes', async () => {
    const leftover = daytona.fake.seed({ app: 'ptc', 'ptc-run': 'old-run' });
    const foreign = daytona.fake.seed({ app: 'other' });
    const dry = await cli.run(['sandbox', 'prune', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(leftover);
    expect(daytona.fake.deleted).not.toContain(leftover);
    const r = await cli.run(['sandbox', 'prune', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).deleted).toContain(leftover);
    expect(daytona.fake.deleted).toContain(leftover);
    expect(daytona.fake.deleted).not.toContain(foreign);
  });

  it('sandbox prune skips a sandbox stuck in destroying with one line, and exits 0', async () => {
    const stuck = daytona.fake.seed({ app: 'ptc', 'ptc-run': 'stuck-run' }, 'destroying');
    const leftover = daytona.fake.seed({ app: 'ptc', 'ptc-run': 'old-run-2' });
    const r = await cli.run(['sandbox', 'prune']);
    expect(r.code).toBe(0);
    expect(daytona.fake.deleted).toContain(leftover);
    expect(r.stdout).toMatch(/deleted \d+ sandbox\(es\), 1 skipped \(mid-transition\)/);
    const lines = r.stderr.split('\n').filter((l) => l.includes(`skipped ${stuck}`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('destroying');
    // The next prune says the same and still exits 0: a stuck sandbox never makes prune fail.
    const again = await cli.run(['sandbox', 'prune', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, skipped: [{ id: stuck, state: 'destroying' }] });
  });

  it('contents go up from memory and no source file comes back down: one upload and one report download a round', async () => {
    const model = await startOpenAIFake();
    try {
      const fixed = REPLY.split('\n').slice(0, 4).join('\n').replace('return a + b', 'return b + a');
      model.enqueue({ text: REPLY }, { text: fixed });
      const before = daytona.fake.created.length;
      const r = await cli.run(['generate', 'add', '--provider', 'kimi', '--base-url', model.url, '--out', 'calc', '--run', '--fix', '1', '--json'], {
        env: { MOONSHOT_API_KEY: 'sk-test-flow-0123456789' },
      });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).rounds).toHaveLength(2);
      const [id] = daytona.fake.created.slice(before);
      const files = daytona.fake.requests.filter((q) => q.path.startsWith(`/toolbox/${id}/files/bulk-`));
      const uploads = files
        .filter((q) => q.route.endsWith('bulk-upload'))
        .map((q) => [...q.body.matchAll(/name="files\[\d+\]\.path"\r\n\r\n([^\r]*)/g)].map((m) => m[1]!.split('/').pop()));
      const downloads = files.filter((q) => q.route.endsWith('bulk-download')).map((q) => JSON.parse(q.body).paths as string[]);
      // calc.py goes up twice (first write, repair round), the unchanged test once; sources never come down.
      expect(uploads.filter((u) => u.includes('calc.py')).map((u) => u.sort())).toEqual([['calc.py', 'test_calc.py'], ['calc.py']]);
      expect(downloads.flat().filter((p) => /calc\.py$/.test(p))).toEqual([]);
      expect(downloads).toHaveLength(2);
    } finally {
      await model.close();
    }
  });
});
