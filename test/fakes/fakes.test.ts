/** The wire fakes fail a test that leaves a stub unused or sends a request nothing was scripted for. */
import { describe, expect, it } from 'vitest';
import { startAnthropicFake } from './anthropic-server.js';
import { startDaytonaFake } from './daytona-server.js';
import { startOpenAIFake } from './openai-server.js';

const post = (url: string, body: unknown = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('strict wire fakes', () => {
  it('openai: a reply queued and never asked for fails verify, and close', async () => {
    const fake = await startOpenAIFake();
    fake.enqueue({ text: 'never asked for' });
    expect(() => fake.verify()).toThrow(/scripted but never requested: "never asked for"/);
    fake.enqueue({ status: 429 });
    await expect(fake.close()).rejects.toThrow(/scripted but never requested: status 429/);
  });

  it('openai: a request with nothing queued gets an error, not "ok", and fails verify', async () => {
    const fake = await startOpenAIFake();
    try {
      const res = await post(`${fake.url}/chat/completions`, { model: 'm', messages: [] });
      expect(res.status).toBe(500);
      expect(() => fake.verify()).toThrow(/requested but nothing was scripted: POST \/v1\/chat\/completions/);
      // verify() starts afresh: a test after this one is not blamed for it.
      expect(() => fake.verify()).not.toThrow();
    } finally {
      await fake.close();
    }
  });

  it('openai: waitForRequest resolves once the request has arrived', async () => {
    const fake = await startOpenAIFake();
    fake.enqueue({ text: 'hi' });
    const arrived = fake.waitForRequest();
    const res = await post(`${fake.url}/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(200);
    expect((await arrived).body.model).toBe('m');
    await fake.close();
  });

  it('anthropic: unused replies and unscripted requests fail verify', async () => {
    const fake = await startAnthropicFake();
    const res = await post(`${fake.url}/v1/messages`, { model: 'm', messages: [] });
    expect(res.status).toBe(500);
    fake.enqueue({ text: 'left over' });
    expect(() => fake.verify()).toThrow(/never requested: "left over"[\s\S]*nothing was scripted: POST \/v1\/messages/);
    await fake.close();
  });

  it('daytona: a failure stub no request met fails close; one that was met passes', async () => {
    const fake = await startDaytonaFake();
    fake.failNext('POST /sandbox', 500);
    await expect(fake.close()).rejects.toThrow(/scripted but never requested: POST \/sandbox → 500/);

    const used = await startDaytonaFake();
    used.failNext('GET /sandbox', 503, undefined, { times: 5 });
    const arrived = used.waitForRequest('GET /sandbox');
    const res = await fetch(`${used.apiUrl}/sandbox`, { headers: { authorization: `Bearer ${used.apiKey}` } });
    expect(res.status).toBe(503);
    expect((await arrived).route).toBe('GET /sandbox');
    await used.close();
  });
});
