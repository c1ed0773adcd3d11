import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const cacheHome = mkdtempSync(join(tmpdir(), 'ptc-cache-test-'));
const savedEnv = { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, PYENV_VERSION: process.env.PYENV_VERSION };
process.env.XDG_CACHE_HOME = cacheHome;

afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(cacheHome, { recursive: true, force: true });
});

/** env.js memoises per process; a fresh module instance stands for a new ptc run. */
async function freshEnvModule() {
  vi.resetModules();
  return import('../../src/sandbox/env.js');
}

describe('buildSandboxEnv', () => {
  it('builds the environment from nothing: only the variables ptc sets', async () => {
    process.env.SECRET_TEST_API_KEY = 'sk-test-canary-ENV-1';
    try {
      const { buildSandboxEnv } = await freshEnvModule();
      const env = buildSandboxEnv({ pathDirs: ['/opt/py/bin', '/usr/bin'], home: '/sandbox/.ptc/home', tmpDir: '/tmp' });
      expect(env.PATH).toBe('/opt/py/bin:/usr/bin');
      expect(Object.values(env)).not.toContain('sk-test-canary-ENV-1');
      expect(Object.keys(env).sort()).toEqual(
        [
          'CI', 'HOME', 'LANG', 'LC_ALL', 'NO_COLOR', 'PATH', 'PIP_DISABLE_PIP_VERSION_CHECK', 'PIP_NO_INPUT',
          'PYTHONDONTWRITEBYTECODE', 'PYTHONHASHSEED', 'PYTHONUNBUFFERED', 'TMPDIR', 'npm_config_audit',
          'npm_config_fund', 'npm_config_update_notifier',
        ].sort(),
      );
    } finally {
      delete process.env.SECRET_TEST_API_KEY;
    }
  });
});

describe('host python probe cache', () => {
  const cacheFile = join(cacheHome, 'ptc', 'host-python.json');
  beforeEach(() => {
    delete process.env.PYENV_VERSION;
    rmSync(cacheFile, { force: true });
  });

  it('asks python once, then reuses the answer across runs while nothing that picks python changed', async () => {
    const first = await (await freshEnvModule()).hostPython();
    expect(first).not.toBeNull();
    expect(first!.stdlibModules).toContain('json');
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as { entries: Record<string, { prefixes: string[] }> };
    // One entry per interpreter looked at: here the first python3 on PATH, which has pytest.
    const entry = Object.values(stored.entries)[0]!;
    expect(entry.prefixes).toEqual(first!.prefixes);

    // A marked cache entry proves the next run reads the cache instead of starting python.
    entry.prefixes = ['/marker-from-cache'];
    writeFileSync(cacheFile, JSON.stringify(stored));
    expect((await (await freshEnvModule()).hostPython())!.prefixes).toEqual(['/marker-from-cache']);

    // Selecting another version (pyenv) invalidates it.
    process.env.PYENV_VERSION = 'some-other-version';
    const again = await (await freshEnvModule()).hostPython();
    expect(again?.prefixes ?? []).not.toContain('/marker-from-cache');
  });

  it('ignores a cache entry whose interpreter is gone', async () => {
    await (await freshEnvModule()).hostPython();
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as { entries: Record<string, { executable: string; prefixes: string[] }> };
    const entry = Object.values(stored.entries)[0]!;
    entry.executable = '/nonexistent/python3';
    entry.prefixes = ['/marker-stale'];
    writeFileSync(cacheFile, JSON.stringify(stored));
    const probed = await (await freshEnvModule()).hostPython();
    expect(probed!.prefixes).not.toContain('/marker-stale');
  });
});
