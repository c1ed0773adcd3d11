import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProvider, type ProviderSettings } from '../../src/providers/index.js';
import type { ProviderId } from '../../src/types.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-server.js';
import { KEY } from './helpers.js';

/** Whether --temperature is sent: the catalog's word per model, else the provider's conservative fallback. */

let fake: OpenAIFake;
beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});
afterEach(() => fake.verify());

const prompt = [{ role: 'user' as const, content: 'add two numbers' }];

async function sent(id: ProviderId, model: string, temperature?: boolean | number): Promise<unknown> {
  const s: ProviderSettings = { id, model, apiKey: KEY, apiKeySource: 'X', baseURL: fake.url, temperature };
  fake.enqueue({ text: 'ok' });
  await (await createProvider(s)).generate(prompt, { temperature: 0.4 });
  return fake.requests.at(-1)!.body.temperature;
}

describe('temperature', () => {
  it('follows the catalog: true sends it, false or a fixed value does not, whatever the id looks like', async () => {
    expect(await sent('openai', 'gpt-5-anything', true)).toBe(0.4);
    expect(await sent('openrouter', 'some/model', false)).toBeUndefined();
    expect(await sent('kimi', 'moonshot-v1-8k', 1)).toBeUndefined();
  });

  it('for a model the catalog does not know: left out on OpenAI and Kimi, sent to OpenRouter and local servers', async () => {
    expect(await sent('openai', 'o9-unknown')).toBeUndefined();
    expect(await sent('kimi', 'kimi-k9')).toBeUndefined();
    expect(await sent('openrouter', 'vendor/new-model')).toBe(0.4);
    expect(await sent('openai-compatible', 'qwen2.5-coder')).toBe(0.4);
  });
});
