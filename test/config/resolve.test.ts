import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redact, requireApiKey, resolveApiKey, resolveConfig, resolveDaytona } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';

let dir: string;
let cwd: string;
let configHome: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ptc-config-'));
  cwd = join(dir, 'project', 'sub');
  configHome = join(dir, 'xdg');
  mkdirSync(cwd, { recursive: true });
  mkdirSync(join(configHome, 'ptc'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = () => ({ XDG_CONFIG_HOME: configHome, HOME: join(dir, 'home') });

describe('precedence: flags > env > project rc > user rc > defaults', () => {
  it('takes each layer in order and remembers the source', async () => {
    writeFileSync(join(configHome, 'ptc', 'config.json'), JSON.stringify({ provider: 'openai', lang: 'typescript', fix: 3, maxTokens: 100 }));
    writeFileSync(join(dir, 'project', '.ptcrc.json'), JSON.stringify({ provider: 'anthropic', fix: 2 }));
    const cfg = await resolveConfig({ cwd, env: { ...baseEnv(), PTC_PROVIDER: 'openrouter' }, flags: { maxTokens: 500 } });
    expect(cfg.settings.provider).toEqual({ value: 'openrouter', source: 'env PTC_PROVIDER' });
    expect(cfg.settings.fix.value).toBe(2);
    expect(cfg.settings.fix.source).toBe(`file ${join(dir, 'project', '.ptcrc.json')}`);
    expect(cfg.settings.lang).toEqual({ value: 'typescript', source: `file ${join(configHome, 'ptc', 'config.json')}` });
    expect(cfg.settings.maxTokens).toEqual({ value: 500, source: 'flag --max-tokens' });
    expect(cfg.settings.run).toEqual({ value: false, source: 'default' });
    expect(cfg.files.map((f) => f.kind)).toEqual(['user', 'project']);
  });

  it('a flag beats the environment', async () => {
    const cfg = await resolveConfig({ cwd, env: { ...baseEnv(), PTC_PROVIDER: 'openrouter' }, flags: { provider: 'kimi' } });
    expect(cfg.settings.provider).toEqual({ value: 'kimi', source: 'flag --provider' });
  });

  it('PTC_CONFIG names the one file read', async () => {
    writeFileSync(join(dir, 'project', '.ptcrc.json'), JSON.stringify({ provider: 'anthropic' }));
    const explicit = join(dir, 'other.yaml');
    writeFileSync(explicit, 'provider: openai\nlang: javascript\n');
    const cfg = await resolveConfig({ cwd, env: { ...baseEnv(), PTC_CONFIG: explicit } });
    expect(cfg.settings.provider.value).toBe('openai');
    expect(cfg.files).toHaveLength(1);
    expect(cfg.files[0]!.kind).toBe('explicit');
  });

  it('reads .env without overriding a variable already set', async () => {
    writeFileSync(join(cwd, '.env'), 'PTC_PROVIDER=anthropic\nPTC_MODEL=from-dotenv\n');
    const cfg = await resolveConfig({ cwd, env: { ...baseEnv(), PTC_PROVIDER: 'openai' } });
    expect(cfg.settings.provider.value).toBe('openai');
    expect(cfg.settings.model).toEqual({ value: 'from-dotenv', source: 'env PTC_MODEL (.env)' });
  });

  it('ignores a file-level model when the provider was chosen above it', async () => {
    writeFileSync(join(dir, 'project', '.ptcrc.json'), JSON.stringify({ provider: 'kimi', model: 'moonshot-v1-32k', providers: { anthropic: { model: 'claude-haiku-4-5' } } }));
    const cfg = await resolveConfig({ cwd, env: baseEnv(), flags: { provider: 'anthropic' } });
    expect(cfg.settings.model.value).toBe('claude-haiku-4-5');
    const same = await resolveConfig({ cwd, env: baseEnv() });
    expect(same.settings.model.value).toBe('moonshot-v1-32k');
  });

  it('defaults the sandbox to daytona when a Daytona key is configured', async () => {
    expect((await resolveConfig({ cwd, env: baseEnv() })).settings.sandbox.value).toBe('local');
    const cfg = await resolveConfig({ cwd, env: { ...baseEnv(), DAYTONA_API_KEY: 'dtn_test_canary_key_000' } });
    expect(cfg.settings.sandbox.value).toBe('daytona');
  });
});

describe('validation', () => {
  it('names the file, the key path, what was expected and what was found', async () => {
    writeFileSync(join(dir, 'project', '.ptcrc.json'), JSON.stringify({ fix: 'two' }));
    const err = await resolveConfig({ cwd, env: baseEnv() }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(join(dir, 'project', '.ptcrc.json'));
    expect(err.message).toContain('"fix"');
    expect(err.message).toContain('number');
    expect(err.message).toContain('"two"');
  });

  it('names the allowed values for an enum', async () => {
    writeFileSync(join(dir, 'project', '.ptcrc.json'), JSON.stringify({ providers: { kimi: { region: 'eu' } } }));
    const err = await resolveConfig({ cwd, env: baseEnv() }).catch((e) => e);
    expect(err.message).toContain('providers.kimi.region');
    expect(err.message).toContain('"intl"');
    expect(err.message).toContain('"eu"');
  });

  it('warns about an unknown key with a suggestion and keeps the rest', async () => {
    writeFileSync(join(dir, 'project', '.ptcrc.json'), JSON.stringify({ provder: 'openai', lang: 'javascript', providers: { kimi: { baseUrl: 'x' } } }));
    const cfg = await resolveConfig({ cwd, env: baseEnv() });
    expect(cfg.settings.lang.value).toBe('javascript');
    expect(cfg.warnings.join('\n')).toContain('unknown key "provder" (did you mean "provider"?)');
    expect(cfg.warnings.join('\n')).toContain('"providers.kimi.baseUrl" (did you mean "providers.kimi.baseURL"?)');
  });

  it('names the file and line of unparsable JSON and YAML', async () => {
    writeFileSync(join(dir, 'project', '.ptcrc.json'), '{\n  "provider": "kimi",\n  oops\n}\n');
    const err = await resolveConfig({ cwd, env: baseEnv() }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('.ptcrc.json');
    expect(err.message).toMatch(/line 3/);
    expect(err.message).not.toContain('\u001b');

    rmSync(join(dir, 'project', '.ptcrc.json'));
    writeFileSync(join(dir, 'project', '.ptcrc.yaml'), 'provider: kimi\nlang: [python\n');
    const yamlErr = await resolveConfig({ cwd, env: baseEnv() }).catch((e) => e);
    expect(yamlErr.message).toContain('.ptcrc.yaml');
    expect(yamlErr.message).toMatch(/line \d+/);
  });

  it('rejects a bad PTC_PROVIDER with the choices', async () => {
    const err = await resolveConfig({ cwd, env: { ...baseEnv(), PTC_PROVIDER: 'antropic' } }).catch((e) => e);
    expect(err.message).toContain('did you mean "anthropic"');
    expect(err.exitCode).toBe(2);
  });
});

describe('keys', () => {
  it('reads MOONSHOT_API_KEY, then KIMI_API_KEY, and says which', async () => {
    const cfg = await resolveConfig({ cwd, env: { ...baseEnv(), KIMI_API_KEY: 'sk-test-canary-kimi-0001' } });
    expect(resolveApiKey(cfg, 'kimi')).toMatchObject({ value: 'sk-test-canary-kimi-0001', source: 'KIMI_API_KEY' });
  });

  it('follows providers.<id>.apiKeyEnv', async () => {
    writeFileSync(join(dir, 'project', '.ptcrc.json'), JSON.stringify({ providers: { anthropic: { apiKeyEnv: 'WORK_CLAUDE' } } }));
    const cfg = await resolveConfig({ cwd, env: { ...baseEnv(), WORK_CLAUDE: 'sk-test-canary-claude-01', ANTHROPIC_API_KEY: 'ignored-because-named' } });
    expect(resolveApiKey(cfg, 'anthropic')).toMatchObject({ value: 'sk-test-canary-claude-01', source: 'WORK_CLAUDE' });
  });

  it('a missing key says which variable to set, for which provider', async () => {
    const cfg = await resolveConfig({ cwd, env: baseEnv() });
    const err = (() => {
      try {
        requireApiKey(cfg, 'kimi');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.code).toBe('missing_key');
    expect(err?.message).toBe('no API key for provider kimi: set MOONSHOT_API_KEY (or KIMI_API_KEY)');
    expect(requireApiKey(cfg, 'openai-compatible').value).toBeNull();
  });

  it('redacts to the last 4 characters at most', () => {
    expect(redact('sk-test-canary-abcdefgh1234')).toBe('…1234');
    expect(redact('short')).not.toContain('short');
    expect(redact(null)).toBe('(not set)');
  });

  it('Daytona settings come from the environment first', async () => {
    const cfg = await resolveConfig({ cwd, env: { ...baseEnv(), DAYTONA_API_KEY: 'dtn_test_canary', DAYTONA_API_URL: 'http://127.0.0.1:9/api' } });
    const d = resolveDaytona(cfg);
    expect(d.apiKey.source).toBe('DAYTONA_API_KEY');
    expect(d.apiUrl).toEqual({ value: 'http://127.0.0.1:9/api', source: 'env DAYTONA_API_URL' });
  });
});
