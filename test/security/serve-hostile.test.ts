import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runPtc } from '../cli/harness.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai-server.js';
import { PRIME_REPLY } from '../mcp/mcp-client.js';
import { rawRequest, type SlowBody, slowHeaders, startSlowBody } from '../serve/raw-http.js';
import { type ServeProcess, startServe } from '../serve/serve-process.js';

/**
 * `ptc serve` as a web page (or a client that never finishes) would meet it. A page can send a POST with no
 * Content-Type or text/plain without a CORS preflight, and through DNS rebinding reach 127.0.0.1 under a name
 * it controls; none of that may start a run. Slow clients must not hold the run slots.
 */

const KEY = 'sk-test-canary-hostile-0001';
let fake: OpenAIFake;
beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => {
  await fake?.close();
});

const rcForFake = (sb: { write(rel: string, content: string): string }) =>
  sb.write('.ptcrc.json', JSON.stringify({ provider: 'openai-compatible', model: 'fake-coder', providers: { 'openai-compatible': { baseURL: fake.url } } }));

const GENERATE = JSON.stringify({ prompt: 'a prime check', out: 'pwned' });
const DRY_APPLY = JSON.stringify({ reply: PRIME_REPLY, dryRun: true });
const JSON_TYPE = { 'content-type': 'application/json' };

describe('ptc serve: requests a web page can make', () => {
  let srv: ServeProcess;
  let port: string;
  beforeAll(async () => {
    // Repeated flags add up: each list has a decoy first.
    srv = await startServe(
      ['--allow-host', 'other.test', '--allow-host', 'ptc.test', '--allow-origin', 'https://other.test', '--allow-origin', 'http://app.test:3000'],
      { OPENAI_COMPATIBLE_API_KEY: KEY },
      rcForFake,
    );
    port = new URL(srv.url).port;
  });
  afterAll(async () => srv?.stop());

  it('the reported attack: a binary POST with a foreign Origin and a rebound Host is refused and nothing runs', async () => {
    const before = fake.requests.length;
    const res = await rawRequest(srv.url, {
      path: '/v1/generate',
      headers: { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` },
      body: Buffer.from(GENERATE),
    });
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(fake.requests.length).toBe(before);
    expect(existsSync(join(srv.sb.cwd, 'pwned'))).toBe(false);
  });

  it('no Content-Type (what fetch sends with a binary body) → 415 naming what to send; the model is never called', async () => {
    const before = fake.requests.length;
    const res = await rawRequest(srv.url, { path: '/v1/generate', body: Buffer.from(GENERATE) });
    expect(res.status).toBe(415);
    expect(res.json.error).toEqual({ code: 'unsupported_media_type', message: expect.stringContaining('application/json') });
    expect(fake.requests.length).toBe(before);
    expect(existsSync(join(srv.sb.cwd, 'pwned'))).toBe(false);
  });

  it('text/plain, form and multipart bodies (no preflight in a browser) → 415; application/json with utf-8 works', async () => {
    const before = fake.requests.length;
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx']) {
      const res = await rawRequest(srv.url, { path: '/v1/generate', headers: { 'content-type': type }, body: GENERATE });
      expect([type, res.status, res.json.error.code]).toEqual([type, 415, 'unsupported_media_type']);
    }
    expect(fake.requests.length).toBe(before);
    for (const type of ['application/json', 'Application/JSON; charset=UTF-8', 'application/json;charset="utf-8"']) {
      const ok = await rawRequest(srv.url, { path: '/v1/apply', headers: { 'content-type': type }, body: DRY_APPLY });
      expect([type, ok.status]).toEqual([type, 200]);
    }
  });

  it('a request with a foreign Origin → 403, on POST and on /health alike, with no CORS grant', async () => {
    const post = await rawRequest(srv.url, { path: '/v1/apply', headers: { ...JSON_TYPE, origin: 'https://evil.example' }, body: DRY_APPLY });
    expect(post.status).toBe(403);
    expect(post.json.error.code).toBe('origin_not_allowed');
    expect(post.json.error.message).toContain('--allow-origin');
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
    // A listed host with another port or scheme is another origin.
    for (const origin of ['http://app.test', 'https://app.test:3000', 'null']) {
      const res = await rawRequest(srv.url, { method: 'GET', path: '/health', headers: { origin } });
      expect([origin, res.status]).toEqual([origin, 403]);
    }
  });

  it('a Host that is not this server (DNS rebinding) → 403, on POST and on /health alike', async () => {
    for (const host of [`attacker.example:${port}`, 'attacker.example', `localhost.attacker.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const post = await rawRequest(srv.url, { path: '/v1/apply', headers: { ...JSON_TYPE, host }, body: DRY_APPLY });
      expect([host, post.status, post.json.error.code]).toEqual([host, 403, 'host_not_allowed']);
      const health = await rawRequest(srv.url, { method: 'GET', path: '/health', headers: { host } });
      expect([host, health.status]).toEqual([host, 403]);
    }
  });

  it('loopback names, with or without a port (an SSH tunnel changes it), are served', async () => {
    for (const host of [`localhost:${port}`, 'localhost', `127.0.0.1:${port}`, '[::1]:8001', 'LOCALHOST']) {
      const res = await rawRequest(srv.url, { method: 'GET', path: '/health', headers: { host } });
      expect([host, res.status]).toEqual([host, 200]);
    }
  });

  it('an --allow-host name and an --allow-origin page are served, with the CORS grant', async () => {
    const res = await rawRequest(srv.url, {
      path: '/v1/apply',
      headers: { ...JSON_TYPE, host: `ptc.test:${port}`, origin: 'http://app.test:3000' },
      body: DRY_APPLY,
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, dryRun: true });
    expect(res.headers['access-control-allow-origin']).toBe('http://app.test:3000');
    expect(res.headers.vary).toBe('Origin');
  });

  it('CORS preflight: answered for an allowed origin, 403 for any other', async () => {
    const preflight = (origin: string) =>
      rawRequest(srv.url, {
        method: 'OPTIONS',
        path: '/v1/generate',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
    const allowed = await preflight('http://app.test:3000');
    expect(allowed.status).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'http://app.test:3000',
      'access-control-allow-methods': expect.stringContaining('POST'),
      'access-control-allow-headers': 'authorization, content-type',
    });
    const foreign = await preflight('https://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('ptc serve: the token', () => {
  it('a token shorter than 32 characters stops the start: exit 2, one line, how to make one, the token never shown', async () => {
    const sb = makeSandbox();
    const token = 'only-thirty-one-characters-long';
    expect(token).toHaveLength(31);
    try {
      const r = await runPtc(['serve', '--port', '0'], { cwd: sb.cwd, env: { ...sb.env, PTC_SERVE_TOKEN: token }, timeoutMs: 15_000 });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toEqual([expect.stringMatching(/^ptc: PTC_SERVE_TOKEN is 31 characters long; it must have at least 32$/), expect.stringContaining('openssl rand -hex 32')]);
      expect(r.stderr).not.toContain(token);
    } finally {
      sb.cleanup();
    }
  });
});

describe('ptc serve: start-up refusals', () => {
  it('an --allow-origin or --allow-host that is not one, or a --receive-timeout past the timer range: exit 2 with a hint', async () => {
    const sb = makeSandbox();
    try {
      for (const [args, message] of [
        [['--allow-origin', '*'], /^ptc: --allow-origin "\*" is not a web origin\nhint: .*--allow-origin https:\/\//],
        [['--allow-host', 'http://ptc.test/'], /^ptc: --allow-host "http:\/\/ptc.test\/" is not a host name\nhint: /],
        [['--receive-timeout', '3000000'], /^ptc: --receive-timeout must be at most 2147483 seconds/],
      ] as const) {
        const r = await runPtc(['serve', '--port', '0', ...args], { cwd: sb.cwd, env: sb.env, timeoutMs: 15_000 });
        expect([args, r.code, r.stdout]).toEqual([args, 2, '']);
        expect(r.stderr).toMatch(message);
      }
    } finally {
      sb.cleanup();
    }
  });
});

describe('ptc serve: slow clients', () => {
  it('a body that never completes gets 408 within --receive-timeout and its connection is closed', async () => {
    const srv = await startServe(['--receive-timeout', '1']);
    try {
      const slow = await startSlowBody(srv.url, '/v1/apply', '{"reply": "');
      const sent = Date.now();
      const { status, json, answeredAt, closedAt } = await slow.answer;
      expect(status).toBe(408);
      expect(json.error.code).toBe('request_timeout');
      expect(answeredAt - sent).toBeGreaterThanOrEqual(900);
      expect(answeredAt - sent).toBeLessThan(3000);
      // Closed by the answer itself, not left to Node's backstop a second or more later.
      expect(closedAt - answeredAt).toBeLessThan(500);
    } finally {
      await srv.stop();
    }
  });

  it('headers that never complete: the connection is closed with 408 within --receive-timeout', async () => {
    // 2 s, so that the headers limit (2–3 s with Node's 1 s check) is told apart from the whole-request backstop (4–5 s).
    const srv = await startServe(['--receive-timeout', '2']);
    try {
      const sent = Date.now();
      const { received, closedAt } = await slowHeaders(srv.url, 'POST /v1/apply HTTP/1.1\r\nHost: localhost\r\n');
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAt - sent).toBeGreaterThanOrEqual(1900);
      expect(closedAt - sent).toBeLessThan(3900);
    } finally {
      await srv.stop();
    }
  });

  it('two slow bodies on --max-concurrency 2 hold no slot: a third, fast request is served meanwhile', async () => {
    const srv = await startServe(['--max-concurrency', '2', '--receive-timeout', '60']);
    const slow: SlowBody[] = [];
    try {
      // Each resolves once the server's handler holds the request (see startSlowBody).
      slow.push(await startSlowBody(srv.url, '/v1/apply', '{"reply": "'));
      slow.push(await startSlowBody(srv.url, '/v1/apply', '{"reply": "'));
      const fast = await rawRequest(srv.url, { path: '/v1/apply', headers: JSON_TYPE, body: DRY_APPLY });
      expect(fast.status).toBe(200);
      expect(fast.json).toMatchObject({ ok: true, dryRun: true });
    } finally {
      for (const s of slow) s.abort();
      await srv.stop();
    }
  });
});
