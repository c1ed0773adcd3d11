import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { classify, type Failure } from '../../src/providers/failure.js';
import { createProvider, defaultBaseURL } from '../../src/providers/index.js';
import { profileFor } from '../../src/providers/profiles.js';
import { serverWaitMs } from '../../src/providers/retry.js';
import { caught, KEY } from './helpers.js';

describe('createProvider', () => {
  it('refuses a missing key for providers that need one, naming the variable', async () => {
    const err = await caught(() =>
      createProvider({ id: 'anthropic', model: 'claude-sonnet-4-6', apiKey: null, apiKeySource: null, baseURL: 'https://api.anthropic.com' }),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('ANTHROPIC_API_KEY');
  });

  it('refuses openai-compatible without a base URL', async () => {
    const err = await caught(() => createProvider({ id: 'openai-compatible', model: 'llama3', apiKey: null, apiKeySource: null, baseURL: '' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.hint).toContain('--base-url');
  });

  it('builds each provider with its id, model and endpoint', async () => {
    const p = await createProvider({ id: 'openrouter', model: 'moonshotai/kimi-k2', apiKey: KEY, apiKeySource: 'OPENROUTER_API_KEY', baseURL: 'https://openrouter.ai/api/v1/' });
    expect(p.id).toBe('openrouter');
    expect(p.model).toBe('moonshotai/kimi-k2');
    expect(p.baseURL).toBe('https://openrouter.ai/api/v1');
    expect(JSON.stringify(p)).not.toContain(KEY);
  });
});

describe('defaultBaseURL', () => {
  it('knows each provider, with the Kimi region switch', () => {
    expect(defaultBaseURL('kimi')).toBe('https://api.moonshot.ai/v1');
    expect(defaultBaseURL('kimi', { region: 'cn' })).toBe('https://api.moonshot.cn/v1');
    expect(defaultBaseURL('anthropic')).toBe('https://api.anthropic.com');
    expect(defaultBaseURL('openrouter')).toBe('https://openrouter.ai/api/v1');
    expect(defaultBaseURL('openai')).toBe('https://api.openai.com/v1');
    expect(defaultBaseURL('openai-compatible')).toBeNull();
  });
});

const http401: Failure = { kind: 'http', status: 401, headers: null, type: 'invalid_authentication_error', code: null, message: 'Invalid Authentication' };

describe('classify', () => {
  it('points a Kimi key rejected by the China endpoint at the international one', () => {
    const v = classify(http401, {
      profile: profileFor('kimi'),
      model: 'kimi-k2.5',
      baseURL: 'https://api.moonshot.cn/v1',
      apiKey: KEY,
      apiKeySource: 'KIMI_API_KEY',
    });
    expect(v.retry).toBe(false);
    expect(v.error.hint).toContain('KIMI_API_KEY');
    expect(v.error.hint).toContain('api.moonshot.ai');
    expect(v.error.hint).not.toContain('region: cn');
  });

  it('redacts the key from anything the server said', () => {
    const v = classify({ ...http401, status: 400, type: 'invalid_request_error', message: `bad header Bearer ${KEY}` }, {
      profile: profileFor('openai'),
      model: 'gpt-5-mini',
      baseURL: 'https://api.openai.com/v1',
      apiKey: KEY,
      apiKeySource: 'OPENAI_API_KEY',
    });
    expect(v.error.code).toBe('provider_bad_request');
    expect(v.error.message).toContain('***');
    expect(v.error.message).not.toContain(KEY);
  });

  it('names an endpoint without its credentials or query', () => {
    const v = classify({ kind: 'connection', status: null, headers: null, type: null, code: null, message: 'Connection error.', causeCode: 'ENOTFOUND' }, {
      profile: profileFor('openai-compatible'),
      model: 'm',
      baseURL: 'https://user:s3cret@gateway.example/v1?api-key=s3cret',
      apiKey: null,
      apiKeySource: null,
    });
    expect(v.error.code).toBe('provider_network');
    expect(v.error.message).toBe('could not reach openai-compatible endpoint at https://gateway.example/v1 (ENOTFOUND)');
  });
});

describe('serverWaitMs', () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  const f = (h: Record<string, string>, message = ''): Failure => ({ kind: 'http', status: 429, headers: headers(h), type: null, code: null, message });

  it('prefers retry-after-ms, then retry-after seconds or date, then Kimi\'s message', () => {
    expect(serverWaitMs(f({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(serverWaitMs(f({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-11-01T00:00:00Z');
    expect(serverWaitMs(f({ 'retry-after': 'Sun, 01 Nov 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(serverWaitMs(f({}, 'rate limit reached, please try again after 3 seconds'))).toBe(3000);
    expect(serverWaitMs(f({}))).toBeNull();
  });
});

describe('lazy SDKs', () => {
  it('no provider module imports an SDK at the top level', () => {
    const dir = path.resolve(import.meta.dirname, '../../src/providers');
    for (const file of fs.readdirSync(dir)) {
      const src = fs.readFileSync(path.join(dir, file), 'utf8');
      expect(src, file).not.toMatch(/^import (?!type )[^;]*from ['"](openai|@anthropic-ai\/sdk)['"]/m);
    }
  });
});
