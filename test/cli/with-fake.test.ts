/** The shared CLI-test hooks keep their promises: a fresh sandbox per test, and a fake checked after every test. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';
import { useFakeCli } from './with-fake.js';

describe('useFakeCli', () => {
  const cli = useFakeCli({
    env: (fake) => ({ MOONSHOT_API_KEY: 'fake-with-fake-key', FAKE_AT: fake.url }),
    setup: (sb, fake) => sb.write('.ptcrc.json', JSON.stringify({ provider: 'kimi', providers: { kimi: { baseURL: fake.url } } })),
    clearRequests: true,
  });
  let earlier = '';

  it('gives each test a sandbox with the env and the setup asked for, and run() works in it', async () => {
    expect(cli.sb.env).toMatchObject({ MOONSHOT_API_KEY: 'fake-with-fake-key', FAKE_AT: cli.fake.url, HOME: cli.sb.home });
    expect(JSON.parse(readFileSync(join(cli.sb.cwd, '.ptcrc.json'), 'utf8')).providers.kimi.baseURL).toBe(cli.fake.url);
    // run() works in the sandbox's folder (its rc file is read), and its env is laid over the sandbox's.
    const plain = JSON.parse((await cli.run(['config', 'show', '--json'])).stdout);
    expect(plain.files.map((f: { path: string }) => f.path)).toContain(join(cli.sb.cwd, '.ptcrc.json'));
    expect(plain.settings.provider).toEqual({ value: 'kimi', source: expect.stringContaining('.ptcrc.json') });
    const r = await cli.run(['config', 'show', '--json'], { env: { PTC_PROVIDER: 'openai' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).settings.provider).toEqual({ value: 'openai', source: 'env PTC_PROVIDER' });
    earlier = cli.sb.dir;
    cli.fake.enqueue({ text: 'hi' });
    const res = await fetch(`${cli.fake.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m","messages":[]}' });
    expect(res.status).toBe(200);
    expect(cli.fake.requests).toHaveLength(1);
  });

  it('removes that sandbox after its test, makes a new one, and empties the requests (clearRequests)', () => {
    expect(earlier).not.toBe('');
    expect(existsSync(earlier)).toBe(false);
    expect(cli.sb.dir).not.toBe(earlier);
    expect(existsSync(cli.sb.cwd)).toBe(true);
    expect(cli.fake.requests).toEqual([]);
  });
});

it('a stub left unused fails the test that left it, with one fake per file and with one per test', { timeout: 60_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'ptc-with-fake-'));
  try {
    const config = join(ROOT, 'test/fixtures/with-fake/vitest.config.ts');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, '--reporter=json', `--outputFile=${join(out, 'r.json')}`], {
        cwd: ROOT,
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8'));
    const [file] = report.testResults;
    // Failed by its tests alone: no hook error at the end of the file.
    expect(file.message).toBe('');
    const outcome = Object.fromEntries(
      file.assertionResults.map((a: { fullName: string; status: string; failureMessages: string[] }) => [a.fullName, `${a.status} ${a.failureMessages.join('').split('\n').slice(0, 2).join(' ')}`.trim()]),
    );
    expect(outcome).toEqual({
      'one fake for the file leaves a stub unused': 'failed Error: openai fake:   scripted but never requested: "never asked for"',
      'one fake for the file asks for nothing': 'passed',
      'a fake per test leaves a stub unused': 'failed Error: openai fake:   scripted but never requested: "never asked for"',
      'a fake per test asks for nothing': 'passed',
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
