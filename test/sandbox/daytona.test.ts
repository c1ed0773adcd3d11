/**
 * The Daytona sandbox through the real @daytonaio/sdk against a loopback Daytona (test/fakes/daytona-server.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

function routes(route: string) {
  return fake.requests.filter((r) => r.route === route);
}

/** The session ids ptc created, in order. */
function createdSessions(): string[] {
  return routes('POST /process/session').map((r) => (JSON.parse(r.body) as { sessionId: string }).sessionId);
}

/** Whether a process is still running (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits (at most `ms`) for a file the command writes as it starts. */
async function fileWithin(path: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!existsSync(path) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return existsSync(path);
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
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
      expect(r.stdout).toBe("done it's me\n");
      expect(r.stderr).toBe('oops\n'); // stdout and stderr come back separately
      expect(r.timedOut).toBe(false);
      expect((await sb.readFile('out.txt'))?.toString()).toBe('hi from daytona\n');
      expect([...(await sb.readFile('data.bin'))!]).toEqual([0, 1, 2, 255]);
      expect(await sb.readFile('missing.txt')).toBeNull();

      const failing = await sb.exec('pwd; exit 3', { timeoutMs: 10_000, cwd: 'pkg' });
      expect(failing.exitCode).toBe(3);
      expect(failing.stdout.trim()).toBe(`${remote.home}/ptc/pkg`);

      await sb.prepare([], ['pkg/hello.py']);
      expect(await sb.readFile('pkg/hello.py')).toBeNull();
    } finally {
      await sb.dispose();
      await sb.dispose(); // idempotent
    }
    expect(fake.deleted).toEqual(fake.created);
    expect(fake.requests.filter((r) => r.route === 'DELETE /sandbox/:id')).toHaveLength(1);
    // Every command ran in the one session, started in the background, none in a request held open.
    expect(createdSessions()).toHaveLength(1);
    expect(createdSessions()[0]).toMatch(/^ptc-/);
    expect(routes('POST /process/session/:id/exec')).toHaveLength(3);
    for (const q of routes('POST /process/session/:id/exec')) expect(JSON.parse(q.body)).toMatchObject({ runAsync: true });
    expect(routes('GET /process/session/:id/command/:id/logs')).toHaveLength(3);
    expect(routes('POST /process/execute')).toHaveLength(0);
    expect(routes('DELETE /process/session/:id')).toHaveLength(0);
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

  it('polls a command that runs longer than several polls, backing off, and gets its exit code', async () => {
    const sb = await createDaytonaSandbox(base());
    const r = await sb.exec('sleep 1.2; echo finished; exit 7', { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 7, stdout: 'finished\n', stderr: '', timedOut: false });
    expect(r.durationMs).toBeGreaterThanOrEqual(1_200);
    const polls = routes('GET /process/session/:id/command/:id');
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.length).toBeLessThanOrEqual(7); // 0.1 s apart at first, then further: not one every 0.1 s
    expect(routes('GET /process/session/:id/command/:id/logs')).toHaveLength(1);
    expect(routes('POST /process/execute')).toHaveLength(0);
    await sb.dispose();
  });

  it('gives stdout and stderr back separately', async () => {
    const sb = await createDaytonaSandbox(base());
    const r = await sb.exec('echo to-out; echo to-err >&2; echo more-out; exit 2', { timeoutMs: 10_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('to-out\nmore-out\n');
    expect(r.stderr).toBe('to-err\n');
    await sb.dispose();
  });

  it('kills a command at its time limit by deleting its session, and runs the next one in a new session', async () => {
    const sb = await createDaytonaSandbox(base());
    const home = fake.sandboxes.get(fake.created[0]!)!.home;
    const started = Date.now();
    const r = await sb.exec('echo $$ > pid; echo started; exec sleep 30', { timeoutMs: 1_000 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.stdout).toContain('started'); // what it printed before the limit is kept
    expect(r.stdout).toContain('[ptc: the command was killed after 1s]');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(routes('DELETE /process/session/:id')).toHaveLength(1);
    expect(routes('DELETE /process/session/:id')[0]!.path).toContain(createdSessions()[0]!);
    const pid = Number(readFileSync(join(home, 'ptc', 'pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(await goneWithin(pid, 2_000)).toBe(true);

    const next = await sb.exec('echo again', { timeoutMs: 5_000 });
    expect(next).toMatchObject({ exitCode: 0, stdout: 'again\n', timedOut: false });
    expect(createdSessions()).toHaveLength(2);
    expect(createdSessions()[1]).not.toBe(createdSessions()[0]);
    expect(routes('POST /process/execute')).toHaveLength(0);
    await sb.dispose();
  });

  it('opens a new session, once, when the toolbox no longer knows its session (404)', async () => {
    const sb = await createDaytonaSandbox(base());
    expect((await sb.exec('echo one', { timeoutMs: 5_000 })).stdout).toBe('one\n');
    fake.sandboxes.get(fake.created[0]!)!.sessions.clear(); // as after a restart of the sandbox's daemon
    expect((await sb.exec('echo two', { timeoutMs: 5_000 })).stdout).toBe('two\n');
    expect(createdSessions()).toHaveLength(2);
    expect(routes('POST /process/execute')).toHaveLength(0);
    await sb.dispose();
  });

  it('falls back to process/execute, for good, when the toolbox has no session API (404)', async () => {
    fake.setSessionSupport(false);
    const sb = await createDaytonaSandbox(base());
    const first = await sb.exec('echo one; echo two >&2; exit 4', { timeoutMs: 5_000, env: { X: 'y' } });
    expect(first.exitCode).toBe(4);
    expect(first.stdout).toContain('one');
    expect(first.stdout).toContain('two'); // this route mixes the streams
    expect((await sb.exec('pwd', { timeoutMs: 5_000, cwd: 'sub' })).stdout.trim()).toMatch(/\/ptc\/sub$/);
    const slow = await sb.exec('sleep 30', { timeoutMs: 1_000 });
    expect(slow).toMatchObject({ timedOut: true, exitCode: null });
    expect(routes('POST /process/session')).toHaveLength(1); // asked once, then never again
    expect(routes('POST /process/execute')).toHaveLength(3);
    expect(fake.requests.filter((r) => r.route.startsWith('GET /process/session'))).toHaveLength(0);
    await sb.dispose();
    expect(fake.deleted).toEqual(fake.created);
  });

  it('caps long output and marks where it was cut', async () => {
    const sb = await createDaytonaSandbox(base());
    const r = await sb.exec(`python3 -c "print('x' * 3000000)"`, { timeoutMs: 20_000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout).toContain('output truncated by ptc');
    expect(r.stdout.length).toBeLessThan(1_100_000);
    const e = await sb.exec(`python3 -c "import sys; sys.stderr.write('y' * 3000000); print('short')"`, { timeoutMs: 20_000 });
    expect(e.truncated).toBe(true);
    expect(e.stdout).toBe('short\n');
    expect(e.stderr).toContain('output truncated by ptc');
    expect(e.stderr.length).toBeLessThan(1_100_000);
    await sb.dispose();
  });

  it('deletes the session and then the sandbox when the signal aborts mid-command', async () => {
    const ac = new AbortController();
    const sb = await createDaytonaSandbox(base({ signal: ac.signal }));
    const home = fake.sandboxes.get(fake.created[0]!)!.home;
    const from = fake.requests.length;
    const running = sb.exec('echo $$ > pid; exec sleep 20', { timeoutMs: 30_000 });
    // Abort once ptc is polling the running command: the command is under way, whatever the machine's load.
    await fake.waitForRequest('GET /process/session/:id/command/:id', from);
    expect(await fileWithin(join(home, 'ptc', 'pid'), 5_000)).toBe(true);
    ac.abort(new InterruptedError('SIGINT'));
    const started = Date.now();
    await expect(running).rejects.toMatchObject({ code: 'interrupted', exitCode: 130 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(routes('DELETE /process/session/:id')).toHaveLength(1);
    expect(await goneWithin(Number(readFileSync(join(home, 'ptc', 'pid'), 'utf8')), 2_000)).toBe(true);
    await sb.dispose();
    expect(fake.deleted).toEqual(fake.created);
    expect(fake.created).toHaveLength(1);
    const order = fake.requests.map((r) => r.route);
    expect(order.indexOf('DELETE /process/session/:id')).toBeLessThan(order.indexOf('DELETE /sandbox/:id'));
  });

  it("an abort of one command (its own signal) deletes that command's session, and the sandbox stays usable", async () => {
    const sb = await createDaytonaSandbox(base());
    const ac = new AbortController();
    const from = fake.requests.length;
    const running = sb.exec('sleep 20', { timeoutMs: 30_000, signal: ac.signal });
    await fake.waitForRequest('GET /process/session/:id/command/:id', from);
    ac.abort(new InterruptedError('SIGTERM'));
    await expect(running).rejects.toMatchObject({ code: 'interrupted' });
    expect(routes('DELETE /process/session/:id')).toHaveLength(1);
    expect((await sb.exec('echo still here', { timeoutMs: 5_000 })).stdout).toBe('still here\n');
    expect(createdSessions()).toHaveLength(2);
    await sb.dispose();
  });

  it('deletes a sandbox whose create was aborted while it was still starting', async () => {
    fake.setCreateState('creating', null); // never starts by itself
    const ac = new AbortController();
    const creating = createDaytonaSandbox(base({ signal: ac.signal }));
    // The first poll of its state: the sandbox exists and is still starting.
    await fake.waitForRequest('GET /sandbox/:id');
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
