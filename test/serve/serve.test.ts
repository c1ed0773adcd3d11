import { cpSync, existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { makeSandbox, ROOT, runPtc } from '../cli/harness.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai-server.js';
import { leftoverSandboxes, PRIME_REPLY, processesWith, waitFor } from '../mcp/mcp-client.js';
import { type ServeProcess, startServe } from './serve-process.js';

const KEY = 'sk-test-canary-serve-0001';
let fake: OpenAIFake;
beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => {
  await fake?.close();
});
// Every reply queued for a test was asked for, and nothing was asked that was not queued.
afterEach(() => fake.verify());

/** A root whose rc file points openai-compatible at the loopback fake, as an operator would configure it. */
const rcForFake = (sb: { write(rel: string, content: string): string }) =>
  sb.write('.ptcrc.json', JSON.stringify({ provider: 'openai-compatible', model: 'fake-coder', providers: { 'openai-compatible': { baseURL: fake.url } } }));

describe('ptc serve: the endpoints', () => {
  let srv: ServeProcess;
  beforeAll(async () => {
    srv = await startServe([], { OPENAI_COMPATIBLE_API_KEY: KEY }, rcForFake);
  });
  afterAll(async () => srv?.stop());

  it('GET /health says the version, which providers have keys, and which sandboxes work', async () => {
    const res = await fetch(srv.url + '/health');
    expect(res.status).toBe(200);
    const body = await res.json();
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(body).toEqual({
      ok: true,
      version: pkg.version,
      providers: { kimi: false, anthropic: false, openrouter: false, openai: false, 'openai-compatible': true },
      sandbox: { local: true, daytona: false },
    });
    expect(JSON.stringify(body)).not.toContain(KEY);
  });

  it('POST /v1/apply writes and runs a reply: 200 with the contract result', async () => {
    const res = await srv.post('/v1/apply', { reply: PRIME_REPLY, out: 'prime', run: true });
    expect(res.status).toBe(200);
    const result = resultSchema.parse(res.json);
    expect(result).toMatchObject({ ok: true, exitCode: 0, command: 'apply', outDir: join(srv.sb.cwd, 'prime') });
    expect(result.tests).toMatchObject({ ran: true, passed: 2, failed: 0 });
    expect(existsSync(join(srv.sb.cwd, 'prime/prime.py'))).toBe(true);
  });

  it('POST /v1/generate uses the provider configured in the root; the key never shows', async () => {
    fake.enqueue({ text: PRIME_REPLY, usage: { prompt: 50, completion: 40 }, usageShape: 'openai' });
    const before = fake.requests.length;
    const res = await srv.post('/v1/generate', { prompt: 'a prime check', out: 'gen' });
    expect(res.status).toBe(200);
    const result = resultSchema.parse(res.json);
    expect(result).toMatchObject({ ok: true, provider: 'openai-compatible', model: 'fake-coder', usage: { inputTokens: 50, outputTokens: 40 } });
    expect(fake.requests.length).toBe(before + 1);
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(res.json) + srv.stderr()).not.toContain(KEY);
  });

  it('POST /v1/run on a failing suite: still 200, the body carries exitCode 1', async () => {
    cpSync(join(ROOT, 'test/fixtures/projects/py-mixed'), join(srv.sb.cwd, 'mixed'), { recursive: true });
    const res = await srv.post('/v1/run', { dir: 'mixed' });
    expect(res.status).toBe(200);
    expect(resultSchema.parse(res.json)).toMatchObject({ ok: false, exitCode: 1, command: 'run', error: { code: 'tests_failed' } });
  });

  it('refuses baseUrl in a body unless started with --allow-base-url (it decides where the keys go)', async () => {
    const res = await srv.post('/v1/generate', { prompt: 'x', baseUrl: 'http://127.0.0.1:9/v1' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('base_url_not_allowed');
  });

  it('confines output and paths to the root', async () => {
    const out = await srv.post('/v1/apply', { reply: PRIME_REPLY, out: '/tmp/elsewhere' });
    expect(out.status).toBe(200);
    expect(out.json).toMatchObject({ exitCode: 2, error: { code: 'out_outside_root' } });
    const dir = await srv.post('/v1/run', { dir: '../home' });
    expect(dir.json).toMatchObject({ exitCode: 2, error: { code: 'path_outside_root' } });
    expect(existsSync('/tmp/elsewhere/prime.py')).toBe(false);
  });

  it('answers bad requests at the HTTP level with the reason', async () => {
    const notJson = await srv.post('/v1/apply', '{"reply": ');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.code).toBe('bad_json');

    const typo = await srv.post('/v1/generate', { promt: 'x' });
    expect(typo.status).toBe(400);
    expect(typo.json.error.message).toMatch(/prompt/);
    expect(typo.json.error.message).toMatch(/promt/);

    const wrongType = await srv.post('/v1/generate', { prompt: 'x', fix: 'two' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.message).toMatch(/^invalid body for \/v1\/generate: fix:/);

    const both = await srv.post('/v1/apply', { out: 'x' });
    expect(both.status).toBe(200);
    expect(both.json.error.message).toMatch(/exactly one of "reply"/);

    const text = await fetch(srv.url + '/v1/apply', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);

    const missing = await fetch(srv.url + '/v2/generate', { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);

    const get = await fetch(srv.url + '/v1/run');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('413 for a body over 1 MiB, declared or streamed', async () => {
    const big = JSON.stringify({ reply: 'x'.repeat(1024 * 1024 + 10) });
    const declared = await srv.post('/v1/apply', big);
    expect(declared.status).toBe(413);

    // Chunked, so the size is only known while reading.
    const streamed = await new Promise<number>((resolveStatus, reject) => {
      const req = httpRequest(srv.url + '/v1/apply', { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolveStatus(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(100 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
  });
});

describe('ptc serve: tokens and binding', () => {
  it('refuses to bind a non-loopback address without PTC_SERVE_TOKEN (exit 2)', async () => {
    const sb = makeSandbox();
    try {
      const r = await runPtc(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: sb.cwd, env: sb.env, timeoutMs: 15_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('PTC_SERVE_TOKEN');
      expect(r.stdout).toBe('');
    } finally {
      sb.cleanup();
    }
  });

  it('with a token, every request but /health needs the right bearer', async () => {
    const token = 'ptc-test-token-0123456789abcdef0'; // exactly the 32 characters required
    const srv = await startServe(['--host', '0.0.0.0'], { PTC_SERVE_TOKEN: token });
    try {
      expect(srv.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      const url = srv.url.replace('0.0.0.0', '127.0.0.1');
      const call = (headers: Record<string, string>) =>
        fetch(url + '/v1/apply', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ reply: PRIME_REPLY, dryRun: true }) });
      const none = await call({});
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await call({ authorization: `Bearer ${token}x` })).status).toBe(401);
      expect((await call({ authorization: token })).status).toBe(401);
      const ok = await call({ authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ ok: true, dryRun: true });
      expect((await fetch(url + '/nope')).status).toBe(401);
      expect((await fetch(url + '/health')).status).toBe(200);
      expect(srv.stderr()).not.toContain(token);
    } finally {
      await srv.stop();
    }
  });
});

describe('ptc serve: limits and shutdown', () => {
  it('429 with Retry-After when every slot is busy; the running request still finishes', async () => {
    const srv = await startServe(['--max-concurrency', '1'], {}, rcForFake);
    try {
      fake.enqueue({ text: PRIME_REPLY, delayMs: 2000 });
      const slow = srv.post('/v1/generate', { prompt: 'slow one', out: 'slow' });
      await waitFor(() => fake.requests.some((r) => JSON.stringify(r.body).includes('slow one')), 10_000);
      const busy = await srv.post('/v1/apply', { reply: PRIME_REPLY, dryRun: true });
      expect(busy.status).toBe(429);
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await slow).status).toBe(200);
      expect((await srv.post('/v1/apply', { reply: PRIME_REPLY, dryRun: true })).status).toBe(200);
    } finally {
      await srv.stop();
    }
  });

  it('504 with the result (error timeout, retryable) when the per-request limit hits', async () => {
    // Long enough for the request to reach the model under load: the limit must cut a call in flight. A default,
    // not a queued reply: should the run time out before reaching the fake, no queued hang is left behind to
    // swallow the next test's request.
    const srv = await startServe(['--request-timeout', '3'], {}, rcForFake);
    fake.setDefault({ hang: true });
    try {
      const started = Date.now();
      const res = await srv.post('/v1/generate', { prompt: 'never answered', out: 'hang' });
      expect(res.status).toBe(504);
      expect(fake.requests.some((r) => JSON.stringify(r.body).includes('never answered'))).toBe(true);
      expect(Date.now() - started).toBeLessThan(12_000);
      expect(resultSchema.parse(res.json)).toMatchObject({ ok: false, exitCode: 3, error: { code: 'timeout', retryable: true } });
    } finally {
      fake.setDefault(null);
      await srv.stop();
    }
  });

  it('SIGTERM lets a request in flight finish, refuses new connections, then exits', async () => {
    const srv = await startServe([], {}, rcForFake);
    try {
      fake.enqueue({ text: PRIME_REPLY, delayMs: 1500 });
      const inFlight = srv.post('/v1/generate', { prompt: 'finish me', out: 'drain' });
      await waitFor(() => fake.requests.some((r) => JSON.stringify(r.body).includes('finish me')), 10_000);
      srv.child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ ok: true, exitCode: 0 });
      const { code } = await srv.exited;
      expect(code).toBe(143);
      await expect(fetch(srv.url + '/health')).rejects.toThrow();
      expect(srv.stderr()).toContain('shutting down');
    } finally {
      await srv.stop();
    }
  });

  it('after --shutdown-timeout, runs still going are cancelled and their sandboxes deleted', async () => {
    const marker = `41.${Date.now() % 100000}`;
    const srv = await startServe(['--shutdown-timeout', '1'], {}, (sb) =>
      sb.write('slow/test_slow.py', `import subprocess\n\ndef test_slow():\n    subprocess.run(['sleep', '${marker}'])\n`),
    );
    try {
      const inFlight = srv.post('/v1/run', { dir: 'slow' });
      expect(await waitFor(() => processesWith(`sleep ${marker}`).length > 0, 15_000)).toBe(true);
      srv.child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(resultSchema.parse(res.json)).toMatchObject({ ok: false, exitCode: 143, error: { code: 'interrupted' } });
      expect((await srv.exited).code).toBe(143);
      expect(processesWith(`sleep ${marker}`)).toEqual([]);
      expect(leftoverSandboxes(srv.tmp)).toEqual([]);
    } finally {
      await srv.stop();
    }
  });

  it('a client that hangs up cancels its run', async () => {
    const marker = `43.${Date.now() % 100000}`;
    const srv = await startServe([], {}, (sb) =>
      sb.write('slow/test_slow.py', `import subprocess\n\ndef test_slow():\n    subprocess.run(['sleep', '${marker}'])\n`),
    );
    try {
      const controller = new AbortController();
      const req = fetch(srv.url + '/v1/run', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dir: 'slow' }),
        signal: controller.signal,
      });
      req.catch(() => {});
      expect(await waitFor(() => processesWith(`sleep ${marker}`).length > 0, 15_000)).toBe(true);
      controller.abort();
      expect(await waitFor(() => processesWith(`sleep ${marker}`).length === 0, 10_000)).toBe(true);
      expect(await waitFor(() => leftoverSandboxes(srv.tmp).length === 0, 10_000)).toBe(true);
    } finally {
      await srv.stop();
    }
  });
});
