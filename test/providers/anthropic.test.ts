import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InterruptedError, ProviderError } from '../../src/errors.js';
import { createProvider, type ProviderSettings } from '../../src/providers/index.js';
import { anthropicError, anthropicKeyOf, startAnthropicFake, type AnthropicFake } from '../fakes/anthropic-server.js';
import { caught, KEY, recordingLogger } from './helpers.js';

let fake: AnthropicFake;
beforeEach(async () => {
  fake = await startAnthropicFake();
});
afterEach(async () => {
  await fake.close();
});

function settings(over: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    id: 'anthropic',
    model: 'claude-sonnet-4-6',
    apiKey: KEY,
    apiKeySource: 'ANTHROPIC_API_KEY',
    baseURL: fake.url,
    ...over,
  };
}

const prompt = [
  { role: 'system' as const, content: 'You write code and tests.', cache: true },
  { role: 'user' as const, content: 'add two numbers' },
];

async function failWith(over: Partial<ProviderSettings> = {}, opts = {}): Promise<ProviderError> {
  const provider = await createProvider(settings(over));
  const err = await caught(() => provider.generate(prompt, opts));
  expect(err).toBeInstanceOf(ProviderError);
  expect(`${err.message} ${err.hint}`).not.toContain(KEY);
  return err;
}

describe('anthropic adapter', () => {
  it('streams text and reports all four token kinds', async () => {
    fake.enqueue({ text: 'def add(a, b): return a + b', usage: { input: 12, output: 30, cacheRead: 1000, cacheWrite: 200 } });
    const deltas: string[] = [];
    const reply = await (await createProvider(settings())).generate(prompt, { maxTokens: 2048, onDelta: (t) => deltas.push(t) });
    expect(reply.text).toBe('def add(a, b): return a + b');
    expect(deltas.join('')).toBe(reply.text);
    expect(reply.usage).toEqual({ inputTokens: 12, outputTokens: 30, cacheReadTokens: 1000, cacheWriteTokens: 200 });
    expect(reply.stopReason).toBe('stop');
    expect(reply.costUsd).toBeNull();
  });

  it('sends model, max_tokens, system with cache_control, the key and the API version; never temperature', async () => {
    fake.enqueue({ text: 'ok' });
    await (await createProvider(settings())).generate(prompt, { maxTokens: 2048, temperature: 0.3 });
    const req = fake.requests[0]!;
    expect(req.path).toBe('/v1/messages');
    expect(anthropicKeyOf(req.headers)).toBe(KEY);
    expect(req.headers['anthropic-version']).toBeTruthy();
    expect(req.body.model).toBe('claude-sonnet-4-6');
    expect(req.body.max_tokens).toBe(2048);
    expect(req.body.stream).toBe(true);
    expect(req.body.temperature).toBeUndefined();
    expect(req.body.system).toEqual([{ type: 'text', text: 'You write code and tests.', cache_control: { type: 'ephemeral' } }]);
    expect(req.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'add two numbers' }] }]);
  });

  it('uses a default max_tokens when none is given', async () => {
    fake.enqueue({ text: 'ok' });
    await (await createProvider(settings())).generate(prompt);
    expect(fake.requests[0]!.body.max_tokens).toBeGreaterThan(0);
  });

  it('works without streaming', async () => {
    fake.enqueue({ text: 'whole', usage: { input: 5, output: 2, cacheRead: 7, cacheWrite: 3 }, model: 'claude-sonnet-4-6-20260101' });
    const reply = await (await createProvider(settings())).generate(prompt, { stream: false });
    expect(fake.requests[0]!.body.stream).toBeUndefined();
    expect(reply.text).toBe('whole');
    expect(reply.model).toBe('claude-sonnet-4-6-20260101');
    expect(reply.usage).toEqual({ inputTokens: 5, outputTokens: 2, cacheReadTokens: 7, cacheWriteTokens: 3 });
  });

  it('returns max_tokens as stopReason length, streamed or not', async () => {
    fake.enqueue({ text: 'def add(', stopReason: 'max_tokens' }, { text: 'def add(', stopReason: 'max_tokens' });
    const provider = await createProvider(settings());
    expect((await provider.generate(prompt)).stopReason).toBe('length');
    expect((await provider.generate(prompt, { stream: false })).stopReason).toBe('length');
  });

  it('a bad key names anthropic and ANTHROPIC_API_KEY', async () => {
    fake.enqueue(anthropicError(401, 'authentication_error', 'invalid x-api-key'));
    const err = await failWith();
    expect(err.code).toBe('provider_auth');
    expect(err.message).toMatch(/^anthropic rejected the API key/);
    expect(err.hint).toContain('ANTHROPIC_API_KEY');
    expect(err.hint).not.toContain('moonshot');
  });

  it('billing_error is a quota error and is not retried', async () => {
    fake.setDefault(anthropicError(402, 'billing_error', 'Your credit balance is too low to access the Anthropic API.'));
    const err = await failWith();
    expect(err.code).toBe('provider_quota');
    expect(err.retryable).toBe(false);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries 529 overloaded, announcing it', async () => {
    fake.enqueue(anthropicError(529, 'overloaded_error', 'Overloaded', { 'retry-after-ms': '10' }), { text: 'done' });
    const logger = recordingLogger();
    const reply = await (await createProvider(settings({ logger }))).generate(prompt);
    expect(reply.text).toBe('done');
    expect(logger.warnings).toEqual(['anthropic 529 overloaded, retrying in 0.0s (attempt 2/3)']);
  });

  it('an unknown model suggests ptc models', async () => {
    fake.enqueue(anthropicError(404, 'not_found_error', 'model: claude-nope'));
    const err = await failWith({ model: 'claude-nope' });
    expect(err.code).toBe('provider_model_not_found');
    expect(err.hint).toContain('ptc models --provider anthropic');
  });

  it('request_too_large is "too large"', async () => {
    fake.enqueue(anthropicError(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.'));
    expect((await failWith()).code).toBe('provider_too_large');
  });

  it('an error event mid-stream is a provider error', async () => {
    fake.enqueue({ text: 'def add(a, b):', streamError: { afterChunks: 1, type: 'overloaded_error', message: 'Overloaded' } });
    const err = await failWith();
    expect(err.code).toBe('provider_stream_error');
    expect(err.message).toContain('overloaded_error');
    expect(err.retryable).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('a stream that ends without message_stop is a provider error', async () => {
    fake.enqueue({ text: 'def add(a, b):', dropAfterChunks: 2 });
    expect((await failWith()).code).toBe('provider_stream_error');
  });

  it('abort cancels a hanging request at once', async () => {
    fake.enqueue({ hang: true });
    const provider = await createProvider(settings());
    const ac = new AbortController();
    // Abort once the request is at the fake, so the test covers a request in flight, not one never sent.
    let abortedAt = 0;
    void fake.waitForRequest().then(() => {
      abortedAt = Date.now();
      ac.abort();
    });
    const err = await caught(() => provider.generate(prompt, { signal: ac.signal }));
    expect(fake.requests).toHaveLength(1);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(err).toBeInstanceOf(InterruptedError);
  });

  it('abort cancels a stream that went silent', async () => {
    fake.enqueue({ text: 'abcdefghi', hangAfterChunks: 1 });
    const provider = await createProvider(settings());
    const ac = new AbortController();
    const started = Date.now();
    const err = await caught(() => provider.generate(prompt, { signal: ac.signal, onDelta: () => setTimeout(() => ac.abort(), 20) }));
    expect(Date.now() - started).toBeLessThan(500);
    expect(err).toBeInstanceOf(InterruptedError);
  });
});
