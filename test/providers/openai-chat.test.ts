import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProvider, type ProviderSettings } from '../../src/providers/index.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-server.js';
import { KEY, recordingLogger } from './helpers.js';

let fake: OpenAIFake;
beforeEach(async () => {
  fake = await startOpenAIFake();
});
afterEach(async () => {
  await fake.close();
});

function settings(over: Partial<ProviderSettings> = {}): ProviderSettings {
  return { id: 'kimi', model: 'kimi-k2.5', apiKey: KEY, apiKeySource: 'MOONSHOT_API_KEY', baseURL: fake.url, ...over };
}

const prompt = [
  { role: 'system' as const, content: 'You write code.' },
  { role: 'user' as const, content: 'add two numbers' },
];

describe('openai-compatible chat adapter', () => {
  it('streams text, reports deltas and sends model, messages, max_tokens and the bearer key', async () => {
    fake.enqueue({ text: 'def add(a, b):\n    return a + b\n', usage: { prompt: 100, completion: 12, cached: 40 } });
    const provider = await createProvider(settings());
    const deltas: Array<[string, number]> = [];
    const reply = await provider.generate(prompt, { maxTokens: 777, onDelta: (t, n) => deltas.push([t, n]) });

    expect(reply.text).toBe('def add(a, b):\n    return a + b\n');
    expect(deltas.map((d) => d[0]).join('')).toBe(reply.text);
    expect(deltas.at(-1)![1]).toBeGreaterThan(0);
    expect(reply.stopReason).toBe('stop');
    expect(reply.usage).toEqual({ inputTokens: 60, outputTokens: 12, cacheReadTokens: 40, cacheWriteTokens: 0 });
    expect(reply.costUsd).toBeNull();

    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body.model).toBe('kimi-k2.5');
    expect(req.body.messages).toEqual([
      { role: 'system', content: 'You write code.' },
      { role: 'user', content: 'add two numbers' },
    ]);
    expect(req.body.max_tokens).toBe(777);
    expect(req.body.stream).toBe(true);
    expect(req.body.stream_options).toEqual({ include_usage: true });
  });

  it('reads Kimi cached_tokens at the top level of usage', async () => {
    fake.enqueue({ text: 'x', usageShape: 'kimi-top-level-cached', usage: { prompt: 50, completion: 5, cached: 30 } });
    const reply = await (await createProvider(settings())).generate(prompt);
    expect(reply.usage).toEqual({ inputTokens: 20, outputTokens: 5, cacheReadTokens: 30, cacheWriteTokens: 0 });
  });

  it('reads Kimi usage from choices[0] of the last chunk', async () => {
    fake.enqueue({ text: 'x', usageShape: 'kimi-usage-in-choice', usage: { prompt: 70, completion: 9, cached: 10 } });
    const reply = await (await createProvider(settings())).generate(prompt);
    expect(reply.usage).toEqual({ inputTokens: 60, outputTokens: 9, cacheReadTokens: 10, cacheWriteTokens: 0 });
  });

  it('reads Kimi usage shapes without streaming too', async () => {
    fake.enqueue(
      { text: 'a', usageShape: 'kimi-top-level-cached', usage: { prompt: 50, completion: 5, cached: 30 } },
      { text: 'b', usageShape: 'kimi-usage-in-choice', usage: { prompt: 40, completion: 4, cached: 8 } },
    );
    const provider = await createProvider(settings());
    const a = await provider.generate(prompt, { stream: false });
    const b = await provider.generate(prompt, { stream: false });
    expect(fake.requests[0]!.body.stream).toBeUndefined();
    expect(a.text).toBe('a');
    expect(a.usage).toEqual({ inputTokens: 20, outputTokens: 5, cacheReadTokens: 30, cacheWriteTokens: 0 });
    expect(b.usage).toEqual({ inputTokens: 32, outputTokens: 4, cacheReadTokens: 8, cacheWriteTokens: 0 });
  });

  it('takes OpenRouter billed cost and cache writes, and sends attribution headers', async () => {
    fake.enqueue({
      text: 'hi',
      usageShape: 'openrouter-with-cost',
      usage: { prompt: 194, completion: 2, cached: 0, cacheWrite: 100, cost: 0.95 },
      processingComments: true,
    });
    const provider = await createProvider(
      settings({ id: 'openrouter', model: 'moonshotai/kimi-k2', apiKeySource: 'OPENROUTER_API_KEY' }),
    );
    const reply = await provider.generate(prompt);
    expect(reply.costUsd).toBe(0.95);
    expect(reply.usage).toEqual({ inputTokens: 94, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 100 });
    const req = fake.requests[0]!;
    expect(req.headers['x-openrouter-title']).toBe('ptc');
    expect(req.headers['http-referer']).toMatch(/^https:\/\//);
    expect(req.body.usage).toEqual({ include: true });
    expect(req.body.model).toBe('moonshotai/kimi-k2');
  });

  it('sends max_completion_tokens to OpenAI and leaves out temperature for reasoning models', async () => {
    fake.enqueue({ text: 'a' }, { text: 'b' });
    const gpt5 = await createProvider(settings({ id: 'openai', model: 'gpt-5-mini', apiKeySource: 'OPENAI_API_KEY' }));
    await gpt5.generate(prompt, { maxTokens: 100, temperature: 0.2 });
    expect(fake.requests[0]!.body.max_completion_tokens).toBe(100);
    expect(fake.requests[0]!.body.max_tokens).toBeUndefined();
    expect(fake.requests[0]!.body.temperature).toBeUndefined();

    const local = await createProvider(settings({ id: 'openai-compatible', model: 'qwen2.5-coder', apiKey: null, apiKeySource: null }));
    await local.generate(prompt, { maxTokens: 100, temperature: 0.2 });
    expect(fake.requests[1]!.body.max_tokens).toBe(100);
    expect(fake.requests[1]!.body.temperature).toBe(0.2);
  });

  it('sends no Authorization header when an openai-compatible endpoint has no key', async () => {
    const provider = await createProvider(
      settings({ id: 'openai-compatible', model: 'llama3', apiKey: null, apiKeySource: null }),
    );
    fake.enqueue({ text: 'ok' });
    await provider.generate(prompt);
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('ignores OPENAI_* variables: the configured endpoint and key are the ones used', async () => {
    const saved = { ...process.env };
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:9/v1';
    process.env.OPENAI_API_KEY = 'sk-test-wrong-env-key';
    process.env.OPENAI_ORG_ID = 'org-from-env';
    fake.enqueue({ text: 'ok' });
    try {
      await (await createProvider(settings())).generate(prompt);
    } finally {
      process.env = saved;
    }
    const req = fake.requests[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers['openai-organization']).toBeUndefined();
  });

  it('passes extra configured headers', async () => {
    fake.enqueue({ text: 'ok' });
    await (await createProvider(settings({ headers: { 'X-Gateway-Team': 'qa' } }))).generate(prompt);
    expect(fake.requests[0]!.headers['x-gateway-team']).toBe('qa');
  });

  it('returns a cut-off reply as stopReason length instead of throwing', async () => {
    fake.enqueue({ text: 'def add(a, b', finishReason: 'length' }, { text: 'def', finishReason: 'length' });
    const provider = await createProvider(settings());
    const streamed = await provider.generate(prompt);
    expect(streamed.stopReason).toBe('length');
    expect(streamed.text).toBe('def add(a, b');
    const whole = await provider.generate(prompt, { stream: false });
    expect(whole.stopReason).toBe('length');
  });

  it('estimates usage and says so when the server reports none', async () => {
    fake.enqueue({ text: 'x'.repeat(40), usageShape: 'none' });
    const logger = recordingLogger();
    const reply = await (await createProvider(settings({ logger }))).generate(prompt);
    expect(reply.usage.outputTokens).toBe(10);
    expect(reply.usage.inputTokens).toBeGreaterThan(0);
    expect(logger.warnings.join('\n')).toMatch(/no token usage.*estimates/);
  });

  it('reports the model the server answered with and a duration', async () => {
    fake.enqueue({ text: 'x', model: 'kimi-k2.5-0115' });
    const reply = await (await createProvider(settings())).generate(prompt);
    expect(reply.model).toBe('kimi-k2.5-0115');
    expect(reply.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('counts streamed reasoning in the progress estimate but keeps it out of the text', async () => {
    fake.enqueue({ reasoning: 'r'.repeat(400), text: 'answer' });
    const calls: Array<[string, number]> = [];
    const reply = await (await createProvider(settings({ model: 'kimi-k2-thinking' }))).generate(prompt, {
      onDelta: (t, n) => calls.push([t, n]),
    });
    expect(reply.text).toBe('answer');
    const thinking = calls.filter(([t]) => t === '');
    expect(thinking.length).toBeGreaterThan(0);
    expect(thinking.at(-1)![1]).toBe(100);
    expect(calls.at(-1)![1]).toBeGreaterThan(100);
  });

  it('falls back to a whole reply when an endpoint refuses streaming', async () => {
    fake.enqueue({ status: 400, body: { error: { message: "Unrecognized request argument supplied: stream_options", type: 'invalid_request_error' } } }, { text: 'whole' });
    const provider = await createProvider(settings({ id: 'openai-compatible', model: 'local', apiKey: null, apiKeySource: null }));
    const reply = await provider.generate(prompt);
    expect(reply.text).toBe('whole');
    expect(fake.requests.map((r) => r.body.stream)).toEqual([true, undefined]);
  });

  it('does not fall back on other bad requests', async () => {
    fake.enqueue({ status: 400, body: { error: { message: 'messages must not be empty', type: 'invalid_request_error' } } });
    const provider = await createProvider(settings({ id: 'openai-compatible', model: 'local', apiKey: null, apiKeySource: null }));
    await expect(provider.generate(prompt)).rejects.toMatchObject({ code: 'provider_bad_request' });
    expect(fake.requests).toHaveLength(1);
  });
});
