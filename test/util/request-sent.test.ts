import { channel } from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxEarly } from '../../src/core/early-sandbox.js';
import type { PipelineDeps } from '../../src/core/pipeline-types.js';
import type { Sandbox } from '../../src/types.js';
import { nextRequestSent } from '../../src/util/request-sent.js';

/** A server that takes a request's body and holds the response until told to answer. */
async function holdingServer() {
  let answer!: () => void;
  const answered = new Promise<void>((r) => (answer = r));
  let received!: (body: string) => void;
  const got = new Promise<string>((r) => (received = r));
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received(body);
      void answered.then(() => res.end('{}'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  return { url, got, answer, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('a model request on the wire', () => {
  it('is known once its body is sent, long before the answer, and the watch ends with it', async () => {
    const server = await holdingServer();
    cleanup = server.close;
    // A fallback far beyond the test's own time limit: only the request itself can end the wait.
    const sent = nextRequestSent(600_000);
    expect(channel('undici:request:bodySent').hasSubscribers).toBe(true);
    const response = fetch(server.url, { method: 'POST', body: '{"model":"m"}' });
    await sent;
    expect(await server.got).toBe('{"model":"m"}');
    expect(channel('undici:request:bodySent').hasSubscribers).toBe(false);
    server.answer();
    expect((await response).status).toBe(200);
  });

  it('gives up waiting after the fallback when no request goes out', async () => {
    await nextRequestSent(20);
    expect(channel('undici:request:bodySent').hasSubscribers).toBe(false);
  });
});

describe('the sandbox made while the model answers', () => {
  function deps(made: string[]): PipelineDeps {
    const sandbox = { dispose: async () => void made.push('disposed') } as unknown as Sandbox;
    return {
      sandbox: { kind: 'daytona', create: async () => (made.push('created'), sandbox) },
      registerCleanup: () => () => {},
      logger: { debug: () => {}, info: () => {}, warn: () => {} },
      signal: new AbortController().signal,
    } as unknown as PipelineDeps;
  }

  it('is not begun before the model request is on the wire, then is', async () => {
    const server = await holdingServer();
    cleanup = server.close;
    const made: string[] = [];
    const early = startSandboxEarly('python', deps(made), '/tmp/x', 1000);
    await new Promise((r) => setTimeout(r, 50));
    expect(made).toEqual([]);
    const response = fetch(server.url, { method: 'POST', body: '{}' });
    await server.got;
    await expect.poll(() => made).toEqual(['created']);
    server.answer();
    await response;
    await early.take();
    await early.discard();
    expect(made).toEqual(['created']);
  });

  it('is made at once when it is wanted first, and never when the run ends before', async () => {
    const made: string[] = [];
    const early = startSandboxEarly('python', deps(made), '/tmp/x', 1000);
    await early.take();
    expect(made).toEqual(['created']);
    const unused: string[] = [];
    await startSandboxEarly('python', deps(unused), '/tmp/x', 1000).discard();
    expect(unused).toEqual([]);
  });
});
