/**
 * Every Daytona failure ptc names becomes a SandboxError (exit 4) with the right code, a hint, and no key;
 * and no failure leaves a sandbox behind.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDaytonaSandbox, disposeAllDaytona } from '../../src/sandbox/daytona.js';
import { PtcError } from '../../src/errors.js';
import { startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';

let fake: DaytonaFake;
beforeEach(async () => {
  fake = await startDaytonaFake();
});
afterEach(async () => {
  await disposeAllDaytona();
  await fake.close();
});

function base(extra: Partial<Parameters<typeof createDaytonaSandbox>[0]> = {}) {
  return { apiKey: fake.apiKey, apiUrl: fake.apiUrl, lang: 'python' as const, runId: 'run-err', ...extra };
}

async function failure(p: Promise<unknown>): Promise<PtcError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PtcError);
    return err as PtcError;
  }
  throw new Error('expected a failure');
}

function expectSandboxError(err: PtcError, code: string, retryable: boolean) {
  expect(err.code).toBe(code);
  expect(err.exitCode).toBe(4);
  expect(err.retryable).toBe(retryable);
  expect(err.hint).toBeTruthy();
  expect(err.message.split('\n')).toHaveLength(1);
}

describe('daytona failures', () => {
  it('a wrong key is sandbox_auth, and the key is never in the message', async () => {
    const wrongKey = 'dtn-test-canary-WRONG-9999';
    const err = await failure(createDaytonaSandbox(base({ apiKey: wrongKey })));
    expectSandboxError(err, 'sandbox_auth', false);
    expect(err.hint).toContain('DAYTONA_API_KEY');
    expect(`${err.message} ${err.hint}`).not.toContain(wrongKey);
    expect(fake.created).toHaveLength(0);
  });

  it('a missing key is a configuration error (exit 2) naming the variable', async () => {
    const err = await failure(createDaytonaSandbox(base({ apiKey: '' })));
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('DAYTONA_API_KEY');
  });

  // Daytona's own texts (apps/api sandbox.service.ts): a 400 whose message goes on with an upgrade note.
  for (const what of ['CPU', 'memory', 'disk']) {
    it(`400 "Total ${what} limit exceeded" is sandbox_quota, pointing at prune and the organization's limits`, async () => {
      fake.failNext('POST /sandbox', 400, {
        statusCode: 400,
        error: 'Bad Request',
        message: `Total ${what} limit exceeded. Maximum allowed: 10.\nTo increase concurrency limits, upgrade your organization's Tier by visiting https://app.daytona.io/dashboard/limits.`,
      });
      const err = await failure(createDaytonaSandbox(base()));
      expectSandboxError(err, 'sandbox_quota', false);
      expect(err.message).toContain(`Total ${what} limit exceeded. Maximum allowed: 10.`);
      expect(err.message).not.toContain('upgrade your organization'); // one line
      expect(err.hint).toContain('ptc sandbox prune');
      expect(err.hint).toContain('limits');
      expect(fake.created).toHaveLength(0);
    });
  }

  it('403 is a key without the permission (write:sandboxes to create), not a quota', async () => {
    fake.failNext('POST /sandbox', 403, { statusCode: 403, error: 'Forbidden', message: 'Access denied' });
    const err = await failure(createDaytonaSandbox(base()));
    expectSandboxError(err, 'sandbox_permission', false);
    expect(err.message).toContain('write:sandboxes');
    expect(err.message).toContain('Access denied');
    expect(`${err.message} ${err.hint}`).not.toMatch(/quota|prune/i);
    expect(err.hint).toContain('API Keys');
  });

  it('403 on delete names delete:sandboxes in the warning', async () => {
    const warnings: string[] = [];
    const logger = { info() {}, debug() {}, progress() {}, warn: (m: string) => warnings.push(m) };
    const sb = await createDaytonaSandbox(base({ logger }));
    fake.failNext('DELETE /sandbox/:id', 403, { statusCode: 403, error: 'Forbidden', message: 'Access denied' }, { times: 2 });
    await sb.dispose();
    expect(warnings.join('\n')).toContain('delete:sandboxes');
    expect(warnings.join('\n')).not.toMatch(/quota/i);
  });

  it('a snapshot that does not exist (Daytona answers 400) is sandbox_snapshot_not_found, naming the command that builds it', async () => {
    const err = await failure(createDaytonaSandbox(base({ snapshot: 'ptc-missing' })));
    expectSandboxError(err, 'sandbox_snapshot_not_found', false);
    expect(err.message).toContain('Snapshot ptc-missing not found');
    expect(err.hint).toContain('ptc sandbox snapshot create --name ptc-missing');
    expect(fake.created).toHaveLength(0);
  });

  it('404 from the toolbox (the sandbox was deleted under ptc) is sandbox_not_found, retryable', async () => {
    const sb = await createDaytonaSandbox(base());
    fake.failNext('POST /files/bulk-upload', 404, { statusCode: 404, error: 'Not Found', message: `Sandbox with ID ${fake.created[0]} not found` });
    const err = await failure(sb.prepare([{ path: 'a.py', content: 'x = 1\n' }]));
    expectSandboxError(err, 'sandbox_not_found', true);
    expect(err.message).toContain('not found');
    await sb.dispose();
  });

  it('a 5xx from the API is sandbox_server_error, retryable, saying it is on Daytona\'s side', async () => {
    fake.failNext('POST /sandbox', 503, { statusCode: 503, error: 'Service Unavailable', message: 'runner unavailable' });
    const err = await failure(createDaytonaSandbox(base()));
    expectSandboxError(err, 'sandbox_server_error', true);
    expect(err.message).toContain('(503)');
    expect(err.message).toContain('runner unavailable');
    expect(err.hint).toContain("Daytona's side");
  });

  it('429 with Retry-After-sandbox-create: waits as long as it says and tries again (one sandbox)', async () => {
    fake.failNext('POST /sandbox', 429, { statusCode: 429, error: 'Too Many Requests', message: 'ThrottlerException: Too Many Requests' }, {
      headers: { 'Retry-After-sandbox-create': '3', 'X-RateLimit-Limit-sandbox-create': '20' },
    });
    const sb = await createDaytonaSandbox(base());
    const posts = fake.requests.filter((r) => r.route === 'POST /sandbox');
    expect(posts).toHaveLength(2);
    // The wait Daytona named (3 s), not ptc's own 2 s fallback.
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(2_900);
    expect(fake.created).toHaveLength(1);
    await sb.dispose();
  });

  it('429 asking for longer than the cap fails at once: sandbox_rate_limit, naming the throttler and the wait', async () => {
    fake.failNext('POST /sandbox', 429, { statusCode: 429, error: 'Too Many Requests', message: 'ThrottlerException: Too Many Requests' }, {
      headers: { 'Retry-After-sandbox-create': '3600' },
    });
    const started = Date.now();
    const err = await failure(createDaytonaSandbox(base()));
    expect(Date.now() - started).toBeLessThan(5_000);
    expectSandboxError(err, 'sandbox_rate_limit', true);
    expect(err.message).toContain('sandbox-create');
    expect(err.hint).toContain('3600s');
    expect(fake.requests.filter((r) => r.route === 'POST /sandbox')).toHaveLength(1);
  });

  it('429 with a plain Retry-After (the failed-auth throttler) is read too', async () => {
    fake.failNext('POST /sandbox', 429, { statusCode: 429, message: 'Too many requests' }, { headers: { 'retry-after': '120' } });
    const err = await failure(createDaytonaSandbox(base()));
    expectSandboxError(err, 'sandbox_rate_limit', true);
    expect(err.hint).toContain('120s');
  });

  it('a sandbox that never starts is sandbox_create_timeout, and is deleted anyway', async () => {
    fake.setCreateState('creating', null);
    const err = await failure(createDaytonaSandbox(base({ createTimeoutSec: 1 })));
    expectSandboxError(err, 'sandbox_create_timeout', true);
    expect(fake.created).toHaveLength(1);
    expect(fake.deleted).toEqual(fake.created);
  });

  it('a sandbox that ends in state error is sandbox_create_failed and is deleted', async () => {
    fake.setCreateState('error', null);
    const err = await failure(createDaytonaSandbox(base()));
    expectSandboxError(err, 'sandbox_create_failed', true);
    expect(fake.deleted).toEqual(fake.created);
  });

  it('an upload refused by the toolbox is sandbox_upload', async () => {
    const sb = await createDaytonaSandbox(base());
    fake.failNext('POST /files/bulk-upload', 500, { statusCode: 500, message: 'disk full' });
    const err = await failure(sb.prepare([{ path: 'a.py', content: 'x = 1\n' }]));
    expectSandboxError(err, 'sandbox_upload', true);
    expect(err.message).toContain('disk full');
    await sb.dispose();
    expect(fake.deleted).toEqual(fake.created);
  });

  it('a path that leaves the sandbox directory is refused before anything is sent', async () => {
    const sb = await createDaytonaSandbox(base());
    const err = await failure(sb.prepare([{ path: '../../etc/evil', content: 'x' }]));
    expect(err.code).toBe('sandbox_upload');
    expect(fake.requests.some((r) => r.route === 'POST /files/bulk-upload')).toBe(false);
    await sb.dispose();
  });

  it('a toolbox that answers 504 to a command is sandbox_exec_timeout, and its session is deleted', async () => {
    const sb = await createDaytonaSandbox(base());
    fake.failNext('POST /process/session/:id/exec', 504, { statusCode: 504, message: 'Gateway Timeout' });
    expectSandboxError(await failure(sb.exec('true', { timeoutMs: 5_000 })), 'sandbox_exec_timeout', false);
    expect(fake.requests.filter((r) => r.route === 'DELETE /process/session/:id')).toHaveLength(1);
    expect((await sb.exec('echo fine', { timeoutMs: 5_000 })).stdout).toBe('fine\n'); // in a new session
    await sb.dispose();
  });

  it('a toolbox without sessions that answers 504 to a command is sandbox_exec_timeout', async () => {
    fake.setSessionSupport(false);
    const sb = await createDaytonaSandbox(base());
    fake.failNext('POST /process/execute', 504, { statusCode: 504, message: 'Gateway Timeout' });
    expectSandboxError(await failure(sb.exec('true', { timeoutMs: 5_000 })), 'sandbox_exec_timeout', false);
    await sb.dispose();
  });

  it('a session that cannot be created is a server error with the status, and the next command tries again', async () => {
    const sb = await createDaytonaSandbox(base());
    fake.failNext('POST /process/session', 500, { statusCode: 500, message: 'no shell' });
    const err = await failure(sb.exec('true', { timeoutMs: 5_000 }));
    expectSandboxError(err, 'sandbox_server_error', true);
    expect(err.message).toContain('(500)');
    expect(err.message).toContain('no shell');
    expect((await sb.exec('echo ok', { timeoutMs: 5_000 })).stdout).toBe('ok\n');
    expect(fake.requests.filter((r) => r.route === 'POST /process/execute')).toHaveLength(0);
    await sb.dispose();
  });

  it('polls and log reads that fail now and then (502, 429) are tried again', async () => {
    const sb = await createDaytonaSandbox(base());
    fake.failNext('GET /process/session/:id/command/:id', 502, { statusCode: 502, message: 'Bad Gateway' }, { times: 2 });
    fake.failNext('GET /process/session/:id/command/:id/logs', 429, { statusCode: 429, message: 'slow down' });
    const r = await sb.exec('sleep 0.3; echo done; exit 5', { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 5, stdout: 'done\n', timedOut: false });
    expect(fake.requests.filter((r) => r.route === 'DELETE /process/session/:id')).toHaveLength(0);
    await sb.dispose();
  });

  it('a poll answered 429 with a Retry-After longer than the cap stops at once with the wait in the hint', async () => {
    const sb = await createDaytonaSandbox(base());
    fake.failNext('GET /process/session/:id/command/:id', 429, { statusCode: 429, message: 'ThrottlerException: Too Many Requests' }, {
      headers: { 'Retry-After-authenticated': '600' },
    });
    const err = await failure(sb.exec('sleep 1', { timeoutMs: 10_000 }));
    expectSandboxError(err, 'sandbox_rate_limit', true);
    expect(err.message).toContain('authenticated');
    expect(err.hint).toContain('600s');
    expect(fake.requests.filter((r) => r.route === 'GET /process/session/:id/command/:id')).toHaveLength(1);
    await sb.dispose();
  });

  it('a poll that keeps failing is a one-line sandbox error without the key, and the session is deleted', async () => {
    const sb = await createDaytonaSandbox(base());
    fake.failNext('GET /process/session/:id/command/:id', 500, { statusCode: 500, message: `boom ${fake.apiKey}` }, { times: 50 });
    const err = await failure(sb.exec('sleep 5', { timeoutMs: 10_000 }));
    expectSandboxError(err, 'sandbox_server_error', true);
    expect(err.message).toContain('(500)');
    expect(err.message).not.toContain(fake.apiKey);
    expect(fake.requests.filter((r) => r.route === 'GET /process/session/:id/command/:id')).toHaveLength(4);
    expect(fake.requests.filter((r) => r.route === 'DELETE /process/session/:id')).toHaveLength(1);
    await sb.dispose();
  });

  it('an unreachable API URL is sandbox_network and names the URL', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const apiUrl = `http://127.0.0.1:${port}/api`;
    const err = await failure(createDaytonaSandbox(base({ apiUrl })));
    expectSandboxError(err, 'sandbox_network', true);
    expect(err.message).toContain(apiUrl);
  });

  it('a failed delete warns with the id and prune, and does not throw from the finally', async () => {
    const warnings: string[] = [];
    const logger = { info() {}, debug() {}, progress() {}, warn: (m: string) => warnings.push(m) };
    const sb = await createDaytonaSandbox(base({ logger }));
    fake.failNext('DELETE /sandbox/:id', 500, { statusCode: 500, message: 'boom' }, { times: 2 });
    await sb.dispose();
    expect(warnings.join('\n')).toContain(fake.created[0]!);
    expect(warnings.join('\n')).toContain('ptc sandbox prune');
  });
});
