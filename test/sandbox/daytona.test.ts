/**
 * The Daytona sandbox through the real @daytonaio/sdk against a loopback Daytona (test/fakes/daytona-server.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDaytonaSandbox, disposeAllDaytona, liveDaytonaSandboxes, wrapForToolbox } from '../../src/sandbox/daytona.js';
import { InterruptedError } from '../../src/errors.js';
import { parseDaemonCommand, startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';

const CANARY = 'sk-test-canary-ENV-7777';
let fake: DaytonaFake;

beforeEach(async () => {
  process.env.OPENAI_API_KEY_PTC_TEST = CANARY;
  fake = await startDaytonaFake();
});

afterEach(async () => {
  delete process.env.OPENAI_API_KEY_PTC_TEST;
  await disposeAllDaytona();
  await fake.close();
});

function base(extra: Partial<Parameters<typeof createDaytonaSandbox>[0]> = {}) {
  return { apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'python' as const, runId: 'run-123', ...extra };
}

describe('daytona sandbox over the real SDK', () => {
  it('creates, uploads, runs, downloads and deletes', async () => {
    const phases: string[] = [];
    const sb = await createDaytonaSandbox(base({ onPhase: (p) => phases.push(p) }));
    expect(sb.kind).toBe('daytona');
    expect(fake.created).toHaveLength(1);
    const remote = fake.sandboxes.get(fake.created[0]!)!;
    expect(sb.root).toBe(`${remote.home}/ptc`);
    try {
      await sb.prepare([
        { path: 'pkg/hello.py', content: 'print("hi from daytona")\n' },
        { path: 'data.bin', content: Buffer.from([0, 1, 2, 255]) },
      ]);
      // A shell construct (&&, redirect, env var) must work although the toolbox uses no shell.
      const r = await sb.exec('python3 pkg/hello.py > out.txt && echo "done $GREETING" && echo oops >&2', {
        timeoutMs: 20_000,
        env: { GREETING: "it's me" },
      });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain("done it's me");
      expect(r.stdout).toContain('oops'); // stdout and stderr come back mixed
      expect(r.timedOut).toBe(false);
      expect((await sb.readFile('out.txt'))?.toString()).toBe('hi from daytona\n');
      expect([...(await sb.readFile('data.bin'))!]).toEqual([0, 1, 2, 255]);
      expect(await sb.readFile('missing.txt')).toBeNull();

      const failing = await sb.exec('exit 3', { timeoutMs: 10_000, cwd: 'pkg' });
      expect(failing.exitCode).toBe(3);

      await sb.prepare([], ['pkg/hello.py']);
      expect(await sb.readFile('pkg/hello.py')).toBeNull();
    } finally {
      await sb.dispose();
      await sb.dispose(); // idempotent
    }
    expect(fake.deleted).toEqual(fake.created);
    expect(fake.requests.filter((r) => r.route === 'DELETE /sandbox/:id')).toHaveLength(1);
    expect(phases).toEqual(['creating', 'uploading', 'uploading', 'cleaning up']);
    expect(liveDaytonaSandboxes().size).toBe(0);
  });

  it('sends labels, auto-stop and auto-delete, an empty env, and none of the ptc process environment', async () => {
    const sb = await createDaytonaSandbox(base({ autoStopMinutes: 7 }));
    await sb.prepare([{ path: 'a.py', content: 'x = 1\n' }]);
    await sb.exec('true', { timeoutMs: 5_000 });
    await sb.dispose();
    const create = fake.requests.find((r) => r.route === 'POST /sandbox')!;
    const body = JSON.parse(create.body) as Record<string, unknown>;
    expect(body.labels).toMatchObject({ app: 'ptc', 'ptc-run': 'run-123', 'code-toolbox-language': 'python' });
    expect(body.autoStopInterval).toBe(7);
    expect(body.autoDeleteInterval).toBe(0);
    expect(body.env).toEqual({});
    for (const r of fake.requests) {
      expect(r.body).not.toContain(CANARY);
      const { authorization, ...rest } = r.headers;
      expect(JSON.stringify(rest)).not.toContain(fake.apiKey);
      expect(authorization).toBe(`Bearer ${fake.apiKey}`);
    }
  });

  it('waits for a sandbox created in state `creating` by polling until `started`', async () => {
    fake.setCreateState('creating', 3);
    const sb = await createDaytonaSandbox(base());
    const polls = fake.requests.filter((r) => r.route === 'GET /sandbox/:id');
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(fake.sandboxes.get(fake.created[0]!)!.state).toBe('started');
    await sb.dispose();
    expect(fake.deleted).toEqual(fake.created);
  });

  it('reports a command killed at its time limit as timedOut', async () => {
    const sb = await createDaytonaSandbox(base());
    const started = Date.now();
    const r = await sb.exec('sleep 30', { timeoutMs: 1_000 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    await sb.dispose();
  });

  it('caps long output and marks where it was cut', async () => {
    const sb = await createDaytonaSandbox(base());
    const r = await sb.exec(`python3 -c "print('x' * 3000000)"`, { timeoutMs: 20_000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout).toContain('output truncated by ptc');
    expect(r.stdout.length).toBeLessThan(1_100_000);
    await sb.dispose();
  });

  it('deletes the sandbox when the signal aborts mid-command', async () => {
    const ac = new AbortController();
    const sb = await createDaytonaSandbox(base({ signal: ac.signal }));
    const running = sb.exec('sleep 20', { timeoutMs: 30_000 });
    setTimeout(() => ac.abort(new InterruptedError('SIGINT')), 300);
    await expect(running).rejects.toMatchObject({ code: 'interrupted', exitCode: 130 });
    await sb.dispose();
    expect(fake.deleted).toEqual(fake.created);
    expect(fake.created).toHaveLength(1);
  });

  it('deletes a sandbox whose create was aborted while it was still starting', async () => {
    fake.setCreateState('creating', null); // never starts by itself
    const ac = new AbortController();
    const creating = createDaytonaSandbox(base({ signal: ac.signal }));
    while (fake.created.length === 0) await new Promise((r) => setTimeout(r, 20));
    ac.abort(new InterruptedError('SIGTERM'));
    await expect(creating).rejects.toMatchObject({ code: 'interrupted', exitCode: 143 });
    await disposeAllDaytona();
    expect(fake.created).toHaveLength(1);
    expect(fake.deleted).toEqual(fake.created);
  });

  it("uses ptc's apiUrl even when DAYTONA_API_URL in the environment says otherwise", async () => {
    process.env.DAYTONA_API_URL = 'http://127.0.0.1:9/api';
    try {
      const sb = await createDaytonaSandbox(base());
      await sb.dispose();
    } finally {
      delete process.env.DAYTONA_API_URL;
    }
    expect(fake.created).toHaveLength(1);
    expect(fake.deleted).toEqual(fake.created);
  });

  it('creates nothing when the signal has already fired', async () => {
    const ac = new AbortController();
    ac.abort(new InterruptedError('SIGINT'));
    await expect(createDaytonaSandbox(base({ signal: ac.signal }))).rejects.toMatchObject({ code: 'interrupted' });
    expect(fake.requests.filter((r) => r.route === 'POST /sandbox')).toHaveLength(0);
  });

  it('disposeAllDaytona deletes every live sandbox (the SIGINT path)', async () => {
    await createDaytonaSandbox(base({ runId: 'a' }));
    await createDaytonaSandbox(base({ runId: 'b' }));
    expect(liveDaytonaSandboxes().size).toBe(2);
    await disposeAllDaytona();
    expect(liveDaytonaSandboxes().size).toBe(0);
    expect([...fake.deleted].sort()).toEqual([...fake.created].sort());
    expect(fake.sandboxes.size).toBe(0);
  });
});

describe('toolbox command wrapping', () => {
  it('survives the daemon split intact and carries cwd and env', () => {
    const wrapped = wrapForToolbox(`echo "a b" 'c'`, '/home/x y/ptc', { K: "v'1" });
    const argv = parseDaemonCommand(wrapped);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv).toHaveLength(3);
    const b64 = /echo (\S+) \| base64 -d/.exec(argv[2]!)![1]!;
    const script = Buffer.from(b64, 'base64').toString('utf8');
    expect(script).toContain(`cd '/home/x y/ptc'`);
    expect(script).toContain(`export K='v'\\''1'`);
    expect(script.endsWith(`echo "a b" 'c'`)).toBe(true);
  });
});
