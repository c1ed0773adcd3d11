import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InterruptedError, ProviderError, TimeoutError } from '../../src/errors.js';
import { createProvider, type ProviderSettings } from '../../src/providers/index.js';
import { backoffMs } from '../../src/providers/retry.js';
import { openaiErrors, startOpenAIFake, type OpenAIFake } from '../fakes/openai-server.js';
import { caught, KEY, recordingLogger } from './helpers.js';

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
const prompt = [{ role: 'user' as const, content: 'write fizzbuzz' }];

async function failWith(over: Partial<ProviderSettings> = {}, opts = {}): Promise<ProviderError> {
  const provider = await createProvider(settings(over));
  const err = await caught(() => provider.generate(prompt, opts));
  expect(err).toBeInstanceOf(ProviderError);
  expect(err.exitCode).toBe(3);
  // The key never leaks, even when the server echoes it back.
  expect(`${err.message} ${err.hint}`).not.toContain(KEY);
  return err;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('failures that are not retried', () => {
  it('a bad key names the provider, the variable, and the other Kimi region', async () => {
    fake.enqueue(openaiErrors.status(401, `Incorrect API key provided: ${KEY}`, 'incorrect_api_key_error'));
    const err = await failWith();
    expect(err.code).toBe('provider_auth');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/kimi rejected the API key/);
    expect(err.hint).toContain('MOONSHOT_API_KEY');
    expect(err.hint).toContain('providers.kimi.region: cn');
    expect(err.hint).toContain('api.moonshot.cn');
    expect(fake.requests).toHaveLength(1);
  });

  it('a bad key elsewhere names that provider and the variable the key came from', async () => {
    fake.enqueue(openaiErrors.status(403, 'forbidden', 'permission_error'));
    const err = await failWith({ id: 'openrouter', model: 'moonshotai/kimi-k2', apiKeySource: 'providers.openrouter.apiKeyEnv (TEAM_OR_KEY)' });
    expect(err.code).toBe('provider_auth');
    expect(err.message).toMatch(/^openrouter /);
    expect(err.hint).toContain('TEAM_OR_KEY');
    expect(err.hint).not.toContain('moonshot');
  });

  it('Kimi out of balance is a quota error, not a rate limit to retry', async () => {
    fake.enqueue(openaiErrors.kimiQuota());
    const err = await failWith();
    expect(err.code).toBe('provider_quota');
    expect(err.retryable).toBe(false);
    expect(err.hint).toMatch(/balance/);
    expect(fake.requests).toHaveLength(1);
  });

  it('OpenRouter 402 is a quota error', async () => {
    fake.enqueue(openaiErrors.openrouterNoCredits());
    const err = await failWith({ id: 'openrouter', model: 'moonshotai/kimi-k2', apiKeySource: 'OPENROUTER_API_KEY' });
    expect(err.code).toBe('provider_quota');
    expect(err.hint).toContain('openrouter.ai/settings/credits');
  });

  it('any 402 is a quota error, whatever its words', async () => {
    fake.enqueue({ status: 402, body: { error: { message: 'Payment Required', type: 'payment_required' } } });
    const err = await failWith();
    expect(err.code).toBe('provider_quota');
    expect(err.retryable).toBe(false);
    expect(fake.requests).toHaveLength(1);
  });

  it('an unknown model suggests ptc models', async () => {
    fake.enqueue(openaiErrors.status(404, 'Not found the model kimi-k9 or Permission denied', 'resource_not_found_error'));
    const err = await failWith({ model: 'kimi-k9' });
    expect(err.code).toBe('provider_model_not_found');
    expect(err.message).toContain('kimi-k9');
    expect(err.hint).toContain('ptc models --provider kimi');
  });

  it('413 and context-length refusals are "too large"', async () => {
    fake.enqueue(openaiErrors.status(413, 'Request Entity Too Large'));
    expect((await failWith()).code).toBe('provider_too_large');
    fake.enqueue(openaiErrors.status(400, "This model's maximum context length is 8192 tokens", 'invalid_request_error', 'context_length_exceeded'));
    const err = await failWith({ id: 'openai', model: 'gpt-4.1-mini', apiKeySource: 'OPENAI_API_KEY' });
    expect(err.code).toBe('provider_too_large');
    expect(err.hint).toMatch(/max-tokens|shorten/);
  });

  it('an error event in the middle of a stream is a provider error, not a short reply', async () => {
    fake.enqueue({ text: 'def fizz', streamError: { afterChunks: 1, error: { message: 'engine overloaded', type: 'engine_overloaded_error' } } });
    const err = await failWith();
    expect(err.code).toBe('provider_stream_error');
    expect(err.message).toContain('engine overloaded');
    expect(err.retryable).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('a stream whose connection drops mid-reply is a provider error', async () => {
    fake.enqueue({ text: 'def fizzbuzz(): pass', dropAfterChunks: 1 });
    const err = await failWith();
    expect(err.code).toBe('provider_stream_error');
  });

  it('an OpenRouter 200 carrying an error body is a provider error', async () => {
    fake.enqueue({ body: { error: { code: 502, message: 'upstream provider failed' } } });
    const err = await failWith({ id: 'openrouter', model: 'moonshotai/kimi-k2' }, { stream: false });
    expect(err.code).toBe('provider_stream_error');
    expect(err.message).toContain('upstream provider failed');
    expect(fake.requests).toHaveLength(1);
  });

  it('an unreachable endpoint names the URL and is retryable', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const err = await failWith({ baseURL: url, maxRetries: 0 });
    expect(err.code).toBe('provider_network');
    expect(err.message).toContain(url);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.retryable).toBe(true);
  });
});

describe('retries', () => {
  it('retries 429 with the server-given wait, announces each retry, and gives up as a retryable rate limit', async () => {
    fake.setDefault(openaiErrors.rateLimited(10));
    const logger = recordingLogger();
    const retries: number[] = [];
    const err = await failWith({ logger }, { onRetry: (i: { attempt: number }) => retries.push(i.attempt) });
    expect(err.code).toBe('provider_rate_limit');
    expect(err.retryable).toBe(true);
    expect(fake.requests).toHaveLength(3);
    expect(logger.warnings).toEqual([
      'kimi 429 rate limited, retrying in 0.0s (attempt 2/3)',
      'kimi 429 rate limited, retrying in 0.0s (attempt 3/3)',
    ]);
    expect(retries).toEqual([2, 3]);
    expect(logger.lines.join('\n')).not.toContain(KEY);
  });

  it('recovers when a retry succeeds', async () => {
    fake.enqueue(openaiErrors.status(503, 'busy', 'api_error', null, { 'retry-after-ms': '10' }), { text: 'fine' });
    const logger = recordingLogger();
    const reply = await (await createProvider(settings({ logger }))).generate(prompt);
    expect(reply.text).toBe('fine');
    expect(logger.warnings).toEqual(['kimi 503 server error, retrying in 0.0s (attempt 2/3)']);
  });

  it('retries a 409 conflict', async () => {
    fake.enqueue(openaiErrors.status(409, 'conflict', 'api_error', null, { 'retry-after-ms': '10' }), { text: 'after the conflict' });
    const logger = recordingLogger();
    const reply = await (await createProvider(settings({ logger }))).generate(prompt);
    expect(reply.text).toBe('after the conflict');
    expect(fake.requests).toHaveLength(2);
    expect(logger.warnings).toEqual(['kimi 409 conflict, retrying in 0.0s (attempt 2/3)']);
  });

  it('backs off 0.5 s, 1 s, 2 s, 4 s, then 8 s at most, less up to a quarter of jitter', () => {
    const at = (random: number) => {
      const spy = vi.spyOn(Math, 'random').mockReturnValue(random);
      try {
        return [1, 2, 3, 4, 5, 6, 9].map((n) => backoffMs(n));
      } finally {
        spy.mockRestore();
      }
    };
    expect(at(0)).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(at(1)).toEqual([375, 750, 1500, 3000, 6000, 6000, 6000]);
  });

  it('retries a refused connection', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const logger = recordingLogger();
    const err = await failWith({ baseURL: url, maxRetries: 1, logger });
    expect(err.code).toBe('provider_network');
    expect(logger.warnings[0]).toMatch(/^kimi could not connect \(ECONNREFUSED\), retrying in \d\.\ds \(attempt 2\/2\)$/);
  });

  it('obeys x-should-retry: false', async () => {
    fake.enqueue(openaiErrors.status(500, 'broken', 'api_error', null, { 'x-should-retry': 'false' }));
    const err = await failWith();
    expect(err.code).toBe('provider_server');
    expect(fake.requests).toHaveLength(1);
  });

  it('caps a server-given wait larger than maxRetryWaitMs', async () => {
    fake.enqueue(openaiErrors.status(429, 'slow down', 'rate_limit_reached_error', null, { 'retry-after': '3600' }), { text: 'ok' });
    const logger = recordingLogger();
    const started = Date.now();
    const reply = await (await createProvider(settings({ logger, maxRetryWaitMs: 50 }))).generate(prompt);
    expect(reply.text).toBe('ok');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logger.warnings[0]).toBe('kimi 429 rate limited, retrying in 0.1s (capped) (attempt 2/3)');
  });

  it('never waits past the deadline: fails at once when the wait would cross it', async () => {
    fake.setDefault(openaiErrors.status(429, 'slow down', 'rate_limit_reached_error', null, { 'retry-after-ms': '5000' }));
    const started = Date.now();
    const err = await failWith({ deadline: Date.now() + 400 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.code).toBe('provider_rate_limit');
    expect(fake.requests).toHaveLength(1);
  });

  it('a request still hanging at the deadline ends as a timeout', async () => {
    fake.enqueue({ hang: true });
    const started = Date.now();
    const err = await failWith({ deadline: Date.now() + 200 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.code).toBe('timeout');
    expect(err.retryable).toBe(true);
  });
});

describe('abort', () => {
  it('cancels a hanging request at once', async () => {
    fake.enqueue({ hang: true });
    const provider = await createProvider(settings());
    const ac = new AbortController();
    // Abort once the request is at the fake: an abort before it was sent would pass on another path.
    let abortedAt = 0;
    void fake.waitForRequest().then(() => {
      abortedAt = Date.now();
      ac.abort();
    });
    const err = await caught(() => provider.generate(prompt, { signal: ac.signal }));
    expect(fake.requests).toHaveLength(1);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(err.exitCode).toBe(130);
  });

  it('cancels a stream that went silent and rethrows a PtcError reason as it is', async () => {
    fake.enqueue({ text: 'abcdefghi', hangAfterChunks: 1 });
    const provider = await createProvider(settings());
    const ac = new AbortController();
    const deltas: string[] = [];
    const started = Date.now();
    const err = await caught(() =>
      provider.generate(prompt, {
        signal: ac.signal,
        onDelta: (t) => {
          deltas.push(t);
          setTimeout(() => ac.abort(new TimeoutError(5)), 20);
        },
      }),
    );
    expect(Date.now() - started).toBeLessThan(500);
    expect(deltas).toEqual(['abc']);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it('cuts a retry wait short', async () => {
    fake.setDefault(openaiErrors.status(429, 'slow', 'rate_limit_reached_error', null, { 'retry-after': '30' }));
    const provider = await createProvider(settings());
    const ac = new AbortController();
    const started = Date.now();
    const err = await caught(() => provider.generate(prompt, { signal: ac.signal, onRetry: () => setTimeout(() => ac.abort(), 20) }));
    expect(Date.now() - started).toBeLessThan(500);
    expect(err).toBeInstanceOf(InterruptedError);
  });

  it('an already aborted signal sends nothing', async () => {
    const provider = await createProvider(settings());
    const err = await caught(() => provider.generate(prompt, { signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(InterruptedError);
    expect(fake.requests).toHaveLength(0);
  });
});
