import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStaticFake } from '../fakes/catalog-server.js';
import { useFake, useFakeCli } from '../cli/with-fake.js';

/** `ptc models --update` against a loopback copy of LiteLLM's price file, and what it changes downstream. */

const KEY = 'sk-test-canary-catalog-5e1d';
const FIXTURE = readFileSync(new URL('../fixtures/litellm/model_prices.json', import.meta.url), 'utf8');
const REPLY = ['Here it is.', '', '```python path=hello.py', 'def hello():', '    return "hi"', '```'].join('\n');

const files = useFake(() =>
  startStaticFake({
    '/model_prices.json': { body: FIXTURE },
    '/broken.json': { body: '{"moonshot/kimi-k2.6": {"input_cost_per_token": 1e-06,' },
    '/gone.json': { status: 503, body: '{"error": "unavailable"}' },
  }),
);
const cli = useFakeCli({
  env: { MOONSHOT_API_KEY: KEY },
  clearRequests: true,
  setup: (sb) => {
    sb.env.XDG_CACHE_HOME = join(sb.dir, 'cache');
  },
});

function rc(body: object): void {
  cli.sb.write('.ptcrc.json', JSON.stringify(body));
}
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => cli.run(args, { env });

/** One kimi-k2.6 call of 1M input and 100k output tokens; returns the cost the result reports. */
async function costOfACall(): Promise<number | null> {
  cli.fake.enqueue({ text: REPLY, usage: { prompt: 1_000_000, completion: 100_000 }, usageShape: 'kimi-top-level-cached' });
  const r = await run(['generate', 'say hi', '-p', 'kimi', '-m', 'kimi-k2.6', '--base-url', cli.fake.url, '--no-run', '--force', '--out', 'out', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).cost.usd;
}

interface ModelRow {
  provider: string;
  id: string;
  input: number;
  output: number;
  priceSource: string;
  priceDate: string | null;
  maxOutput: number | null;
}
async function models(args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = await run(['models', '--json', ...args], env);
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as { update: { url: string; fetchedAt: string; skipped: number } | null; warnings: string[]; models: ModelRow[]; unlisted: number };
  return { doc, stderr: r.stderr, find: (id: string) => doc.models.find((m) => m.id === id) };
}

describe('ptc models --update', () => {
  it('fetches, maps and caches the file; prices and the cost of a call follow it', async () => {
    rc({ catalog: { url: files.fake.url('/model_prices.json') } });
    expect(await costOfACall()).toBeCloseTo(0.95 + 0.4, 10); // shipped: 0.95 in, 4.00 out per 1M

    const r = await run(['models', '--update', '-p', 'kimi'], { PTC_NOW: '2026-11-30T12:00:00Z' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`catalog updated from ${files.fake.url('/model_prices.json')}: 6 models of ptc's providers (1 unusable entry skipped)`);
    expect(r.stdout).toMatch(/kimi\s+kimi-k2\.6\s+1\.50\s+6\.00\s+0\.20\s+1\.50\s+update 2026-11-30\s+default/);
    expect(r.stdout).toContain('1 more models are priced by the update');
    expect(existsSync(join(cli.sb.env.XDG_CACHE_HOME!, 'ptc', 'catalog.json'))).toBe(true);

    const { doc, find } = await models();
    expect(doc.update).toMatchObject({ url: files.fake.url('/model_prices.json'), skipped: 1 });
    expect(find('kimi-k2.6')).toMatchObject({ input: 1.5, output: 6, priceSource: 'update', priceDate: '2026-11-30' });
    // Entries the update does not mention keep the shipped prices and say so.
    expect(find('moonshot-v1-8k')).toMatchObject({ priceSource: 'shipped', input: 0.2 });
    expect(find('kimi-k3-preview')).toBeUndefined();
    expect((await models(['--all'])).find('kimi-k3-preview')).toMatchObject({ input: 2, output: 8, maxOutput: 131072 });

    expect(await costOfACall()).toBeCloseTo(1.5 + 0.6, 10);
  });

  it('offline, on an HTTP error or on invalid JSON: one clear line, exit 3, the old prices kept', async () => {
    rc({ catalog: { url: files.fake.url('/model_prices.json') } });
    expect((await run(['models', '--update'])).code).toBe(0);

    for (const [path, code, words] of [
      ['/broken.json', 'catalog_invalid', 'is not a JSON object of models'],
      ['/gone.json', 'catalog_http', 'answered HTTP 503'],
    ] as const) {
      rc({ catalog: { url: files.fake.url(path) } });
      const r = await run(['models', '--update', '--json']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(words);
      expect(r.stderr).toMatch(/hint: .*prices in use are unchanged/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(JSON.parse(r.stdout).error.code).toBe(code);
    }

    // A port nothing listens on: the network error.
    const closed = await startStaticFake({});
    const deadUrl = closed.url('/model_prices.json');
    await closed.close();
    rc({ catalog: { url: deadUrl } });
    const r = await run(['models', '--update']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach ${deadUrl} to update the catalog (ECONNREFUSED)`);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // the message and its hint

    expect((await models()).find('kimi-k2.6')).toMatchObject({ input: 1.5, priceSource: 'update' });
    expect(await costOfACall()).toBeCloseTo(2.1, 10);
  });

  it('an rc file\'s pricing wins over the update', async () => {
    rc({ catalog: { url: files.fake.url('/model_prices.json') } });
    expect((await run(['models', '--update'])).code).toBe(0);
    rc({ catalog: { url: files.fake.url('/model_prices.json') }, pricing: { 'kimi/kimi-k2.6': { input: 1, output: 1 } } });
    expect((await models()).find('kimi-k2.6')).toMatchObject({ input: 1, output: 1, priceSource: 'rc', priceDate: null });
    expect(await costOfACall()).toBeCloseTo(1 + 0.1, 10);
  });

  it('warns when the prices in view are older than 60 days, and says how to refresh', async () => {
    rc({ catalog: { url: files.fake.url('/model_prices.json') } });
    expect((await run(['models', '--update'], { PTC_NOW: '2026-11-30' })).code).toBe(0);
    const fresh = await models(['-p', 'kimi'], { PTC_NOW: '2027-01-15' });
    expect(fresh.doc.warnings).toEqual([]);
    const old = await models(['-p', 'kimi'], { PTC_NOW: '2027-02-15' });
    expect(old.doc.warnings).toEqual(['8 prices are older than 60 days (oldest read 2026-11-30): run `ptc models --update`']);
    expect(old.stderr).toContain('warning: 8 prices are older than 60 days');
  });

  it('ignores a cache it cannot read, with a warning, and uses the shipped prices', async () => {
    cli.sb.write('../cache/ptc/catalog.json', '{"version": 1, "models": "nope"}');
    const { doc, find } = await models(['-p', 'kimi']);
    expect(doc.warnings[0]).toMatch(/ignoring the catalog update at .*catalog\.json/);
    expect(find('kimi-k2.6')).toMatchObject({ input: 0.95, priceSource: 'shipped' });
  });
});
