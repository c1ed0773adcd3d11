import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogCachePath } from '../../src/cost/catalog-cache.js';
import { updateCatalog } from '../../src/cost/catalog-update.js';
import { ProviderError } from '../../src/errors.js';
import { startStaticFake, type StaticFake } from '../fakes/catalog-server.js';

/** The download is bounded in size and time, and a URL with credentials never reaches a message or the cache. */

const ENTRY = { 'moonshot/kimi-k2.6': { litellm_provider: 'moonshot', mode: 'chat', input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } };
let files: StaticFake;
let dir: string;
beforeAll(async () => {
  files = await startStaticFake({
    '/ok.json': { body: JSON.stringify(ENTRY) },
    '/big.json': { body: JSON.stringify({ ...ENTRY, padding: 'x'.repeat(5000) }) },
    '/big-chunked.json': { body: JSON.stringify({ ...ENTRY, padding: 'x'.repeat(5000) }), headers: { 'transfer-encoding': 'chunked' } },
    '/stalls.json': { body: JSON.stringify(ENTRY), stall: true },
    '/nothing-for-us.json': { body: JSON.stringify({ 'bedrock/x': { litellm_provider: 'bedrock', input_cost_per_token: 1, output_cost_per_token: 1 } }) },
  });
  dir = mkdtempSync(join(tmpdir(), 'ptc-catalog-'));
});
afterAll(async () => {
  await files.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ XDG_CACHE_HOME: dir, HOME: dir });
async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('updateCatalog limits', () => {
  it('refuses a file over the size bound, whatever it declares', async () => {
    for (const path of ['/big.json', '/big-chunked.json']) {
      const err = await failure(updateCatalog({ url: files.url(path), env: env(), maxBytes: 1000 }));
      expect(err, path).toMatchObject({ code: 'catalog_too_large', exitCode: 3 });
    }
    expect(existsSync(catalogCachePath(env()))).toBe(false);
  });

  it('gives up when the server stalls past the time bound', async () => {
    const err = await failure(updateCatalog({ url: files.url('/stalls.json'), env: env(), timeoutMs: 300 }));
    expect(err).toMatchObject({ code: 'catalog_timeout', retryable: true });
    expect(err.message).toContain('took longer than 0.3s');
  });

  it('a file with nothing for ptc\'s providers is refused rather than emptying the prices', async () => {
    const err = await failure(updateCatalog({ url: files.url('/nothing-for-us.json'), env: env() }));
    expect(err).toMatchObject({ code: 'catalog_invalid' });
    expect(existsSync(catalogCachePath(env()))).toBe(false);
  });

  it('shows and caches the URL without user:password or query', async () => {
    const secretUrl = files.url('/ok.json').replace('http://', 'http://me:hunter22@') + '?token=tok-secret-991';
    const r = await updateCatalog({ url: secretUrl, env: env() });
    expect(r.url).toBe(files.url('/ok.json'));
    expect(r.models).toBe(1);
    expect(files.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('me:hunter22').toString('base64')}`);
    const err = await failure(updateCatalog({ url: secretUrl.replace('/ok.json', '/missing.json'), env: env() }));
    expect(err.message).not.toMatch(/hunter22|tok-secret-991/);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(catalogCachePath(env()), 'utf8')).not.toMatch(/hunter22|tok-secret-991/);
  });
});
