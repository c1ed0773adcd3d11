import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BIN, ROOT } from '../cli/harness.js';
import { useFakeCli } from '../cli/with-fake.js';
import { openaiErrors } from '../fakes/openai-server.js';
import { FAILING_REPLY, PRIME_REPLY } from './replies.js';

const SCRIPT = join(ROOT, 'examples/ci/generate-and-gate.sh');
const cli = useFakeCli({
  env: { OPENAI_COMPATIBLE_API_KEY: 'sk-test-canary-ci-0001', PTC: `${process.execPath} ${BIN}`, PTC_RETRY_DELAY: '0' },
  // As a repository would configure it: an rc file next to the code.
  setup: (sb, fake) =>
    sb.write('.ptcrc.json', JSON.stringify({ provider: 'openai-compatible', model: 'fake-coder', providers: { 'openai-compatible': { baseURL: fake.url } } })),
});

function gate(prompt: string, out: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, prompt, out], { cwd: cli.sb.cwd, env: { ...cli.sb.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it('passes the gate when the generated tests pass, keeping both results as JSON', async () => {
  cli.fake.enqueue({ text: PRIME_REPLY });
  const r = await gate('a prime check', 'prime');
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('tests passed: 2');
  expect(existsSync(join(cli.sb.cwd, 'prime/prime.py'))).toBe(true);
  expect(JSON.parse(readFileSync(join(cli.sb.cwd, 'prime.run.json'), 'utf8'))).toMatchObject({ command: 'run', exitCode: 0 });
  expect(JSON.parse(readFileSync(join(cli.sb.cwd, 'prime.generate.json'), 'utf8'))).toMatchObject({ command: 'generate', exitCode: 0 });
});

it('fails the gate with exit 1 when a test fails', async () => {
  cli.fake.enqueue({ text: FAILING_REPLY });
  const r = await gate('a prime check', 'bad');
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/tests failed: 1 failed, 1 passed/);
});

it('passes ptc\'s own code through when generation fails, and retries a retryable failure', async () => {
  cli.fake.enqueue(openaiErrors.status(401, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key'));
  const auth = await gate('a prime check', 'denied');
  expect(auth.code).toBe(3);
  expect(auth.stderr).toContain('ptc generate failed (exit 3)');
  expect(auth.stderr).not.toContain('retrying');

  // A server error is retryable. Count how many calls one ptc run makes before it gives up, then let exactly
  // that many fail: the script's second attempt gets through.
  const serverError = openaiErrors.status(500, 'upstream overloaded', 'server_error');
  cli.fake.setDefault(serverError);
  try {
    const before = cli.fake.requests.length;
    const once = await gate('a prime check', 'gave-up', { PTC_ATTEMPTS: '1' });
    expect(once.code).toBe(3);
    expect(JSON.parse(readFileSync(join(cli.sb.cwd, 'gave-up.generate.json'), 'utf8')).error.retryable).toBe(true);
    const callsPerRun = cli.fake.requests.length - before;

    cli.fake.enqueue(...Array.from({ length: callsPerRun }, () => serverError));
    cli.fake.setDefault({ text: PRIME_REPLY });
    const r = await gate('a prime check', 'retried');
    expect(r.stderr).toContain('retrying');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(cli.sb.cwd, 'retried.generate.json'), 'utf8')).exitCode).toBe(0);
  } finally {
    cli.fake.setDefault({ text: 'ok' });
  }
  // Five ptc runs, two of them through the provider's retry back-off.
}, 90_000);

it('works with the shipped rc file, which asks for tests and repair: the generate step\'s --no-run turns repair off', async () => {
  // examples/rc/kimi.ptcrc.json as shipped, pointed at the loopback fake.
  const rc = JSON.parse(readFileSync(join(ROOT, 'examples/rc/kimi.ptcrc.json'), 'utf8'));
  expect(rc).toMatchObject({ run: true, fix: 2 });
  rc.providers.kimi.baseURL = cli.fake.url;
  cli.sb.write('.ptcrc.json', JSON.stringify(rc));
  cli.fake.enqueue({ text: PRIME_REPLY });
  const r = await gate('a prime check', 'shipped', { MOONSHOT_API_KEY: 'sk-test-canary-ci-0002' });
  expect(r.stderr).toContain('tests passed: 2');
  expect(r.code).toBe(0);
  const generated = JSON.parse(readFileSync(join(cli.sb.cwd, 'shipped.generate.json'), 'utf8'));
  expect(generated).toMatchObject({ command: 'generate', exitCode: 0, tests: null });
  expect(generated.warnings.join('\n')).toContain('repair is off');
});
