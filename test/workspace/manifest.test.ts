import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PtcError } from '../../src/errors.js';
import { manifestPath, readManifest, writeManifest, type ManifestInput } from '../../src/workspace/manifest.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ptc-manifest-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const input: ManifestInput = {
  prompt: 'a function that checks if a number is prime',
  provider: 'kimi',
  model: 'kimi-k2.5',
  usage: { inputTokens: 120, outputTokens: 340, cacheReadTokens: 0, cacheWriteTokens: 0 },
  cost: { usd: 0.00109, source: 'catalog' },
  files: [{ path: 'prime.py', kind: 'code', bytes: 210, sha256: 'a'.repeat(64) }],
};

describe('manifest', () => {
  it('writes .ptc/manifest.json with the fixed fields and reads it back', async () => {
    const written = await writeManifest(base, input);
    const raw = JSON.parse(await readFile(join(base, '.ptc', 'manifest.json'), 'utf8'));
    expect(Object.keys(raw).sort()).toEqual(['cost', 'createdAt', 'files', 'model', 'prompt', 'provider', 'schemaVersion', 'usage']);
    expect(raw.schemaVersion).toBe(1);
    expect(Number.isNaN(Date.parse(raw.createdAt))).toBe(false);
    expect(raw.files).toEqual(input.files);
    expect(raw.usage).toEqual(input.usage);
    expect(await readManifest(base)).toEqual(written);
    expect(manifestPath(base)).toBe(join(base, '.ptc', 'manifest.json'));
  });

  it('keeps only the file fields of the contract (no content)', async () => {
    const files = [{ path: 'x.py', kind: 'code' as const, bytes: 1, sha256: 'b'.repeat(64), content: 'secret source' }];
    await writeManifest(base, { ...input, files });
    expect(await readFile(manifestPath(base), 'utf8')).not.toContain('secret source');
  });

  it('never contains the value of any *_API_KEY variable, even one that slipped into the prompt', async () => {
    const canary = 'sk-test-canary-7f3a9c21d4';
    process.env.PTC_TEST_CANARY_API_KEY = canary;
    try {
      await writeManifest(base, { ...input, prompt: `use key ${canary} please` });
      const text = await readFile(manifestPath(base), 'utf8');
      for (const [name, value] of Object.entries(process.env)) {
        if (name.endsWith('_API_KEY') && value && value.length >= 8) expect(text).not.toContain(value);
      }
      expect(text).toContain('[redacted]');
    } finally {
      delete process.env.PTC_TEST_CANARY_API_KEY;
    }
  });

  it('reads null for a missing or foreign manifest', async () => {
    expect(await readManifest(base)).toBeNull();
    await mkdir(join(base, '.ptc'));
    await writeFile(manifestPath(base), '{"schemaVersion": 9}');
    expect(await readManifest(base)).toBeNull();
  });

  it('will not write through a .ptc symlink', async () => {
    const elsewhere = join(base, 'elsewhere');
    await mkdir(elsewhere);
    const out = join(base, 'out');
    await mkdir(out);
    await symlink(elsewhere, join(out, '.ptc'));
    const err = await writeManifest(out, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PtcError);
    expect((err as PtcError).code).toBe('write_failed');
  });
});
