import { describe, expect, it } from 'vitest';
import { startAnthropicModelsFake } from '../fakes/catalog-server.js';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { useCliSandbox, useFake } from '../cli/with-fake.js';

/** `ptc models --remote -p <id>`: the ids the provider's own /models serves, marked priced or not. */

const KEY = 'sk-test-canary-remote-41c7';

const openai = useFake(() => startOpenAIFake({ apiKey: KEY }), { clearRequests: true });
const anthropic = useFake(() => startAnthropicModelsFake([['claude-sonnet-4-6', 'claude-next-9'], ['claude-haiku-4-5-20251001']], KEY), { clearRequests: true });
const cli = useCliSandbox();

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => cli.run(['models', '--remote', ...args], { env });

describe('ptc models --remote', () => {
  it('asks an OpenAI-wire endpoint with the Bearer key and marks ids without a price', async () => {
    const r = await run(['-p', 'openai', '--base-url', openai.fake.url, '--json'], { OPENAI_API_KEY: KEY });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      provider: 'openai',
      unpriced: 1,
      models: [{ id: 'fake-model', priced: false, input: null, output: null }],
    });
    expect(openai.fake.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v1/models']);
    expect(openai.fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('follows Anthropic\'s pages (has_more / last_id) with the key and anthropic-version', async () => {
    const r = await run(['-p', 'anthropic', '--base-url', anthropic.fake.url], { ANTHROPIC_API_KEY: KEY });
    expect(r.code, r.stderr).toBe(0);
    expect(anthropic.fake.requests.map((q) => q.path)).toEqual(['/v1/models?limit=100', '/v1/models?limit=100&after_id=claude-next-9']);
    const h = anthropic.fake.requests[0]!.headers;
    expect(h['x-api-key'] ?? h.authorization).toMatch(new RegExp(`^(Bearer )?${KEY}$`));
    expect(anthropic.fake.requests[0]!.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(r.stdout).toContain('anthropic serves 3 models; 1 without a price');
    expect(r.stdout).toMatch(/claude-haiku-4-5-20251001\s+1\.00 \/ 5\.00/);
    expect(r.stdout).toMatch(/claude-next-9\s+no price/);
    expect(r.stdout).toMatch(/claude-sonnet-4-6\s+3\.00 \/ 15\.00/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('without the key: the usual missing_key error, exit 2, nothing asked', async () => {
    const r = await run(['-p', 'anthropic', '--base-url', anthropic.fake.url, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'missing_key', message: 'no API key for provider anthropic: set ANTHROPIC_API_KEY' });
    expect(anthropic.fake.requests).toHaveLength(0);
  });

  it('a rejected key is a provider error (exit 3) without the key in it; --remote needs -p', async () => {
    const r = await run(['-p', 'anthropic', '--base-url', anthropic.fake.url], { ANTHROPIC_API_KEY: 'sk-wrong-key-0000' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/anthropic/);
    expect(r.stderr).not.toContain('sk-wrong-key-0000');
    const u = await run([]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('--remote needs a provider');
  });
});
