import { expect, it } from 'vitest';
import { PRIME_REPLY } from '../examples/replies.js';
import { useFakeCli } from './with-fake.js';

// One exit code per situation (CONTRACT.md): the cases where the cause, not the moment, decides the code.
const cli = useFakeCli({ env: { MOONSHOT_API_KEY: 'sk-test-canary-exit-0001' } });

const kimi = () => ['--provider', 'kimi', '--base-url', cli.fake.url];

it('a --max-cost that cannot cover the first call is a usage error: exit 2, said once, nothing sent', async () => {
  const before = cli.fake.requests.length;
  const r = await cli.run(['generate', 'a prime check', ...kimi(), '--max-cost', '0.000001', '--no-run']);
  expect(r.code).toBe(2);
  expect(cli.fake.requests.length).toBe(before);
  expect(r.stdout).toBe('');
  expect(r.stderr.match(/--max-cost \$0\.000001/g)).toHaveLength(1);
  expect(r.stderr).toMatch(/^ptc: --max-cost \$0\.000001: spent \$0\.00 so far, and the next call could cost up to/m);
  expect(r.stderr).toContain('hint: raise --max-cost or lower --max-tokens');

  const json = await cli.run(['generate', 'a prime check', ...kimi(), '--max-cost', '0.000001', '--no-run', '--json']);
  expect(json.code).toBe(2);
  const result = JSON.parse(json.stdout);
  expect(result).toMatchObject({ ok: false, exitCode: 2, tests: null, stopReason: null, error: { code: 'budget_exceeded', retryable: false } });
  expect(result.warnings).toEqual([]);
  expect(json.stderr).toBe('');
});

it('--timeout reached while the tests run is a sandbox error: exit 4, sandbox_timeout, not retryable', async () => {
  cli.fake.enqueue({ text: PRIME_REPLY.replace('def test_composites():', 'def test_composites():\n    import time; time.sleep(60)') });
  const r = await cli.run(['generate', 'a prime check', ...kimi(), '--run', '--out', 'slow', '--timeout', '4', '--json']);
  expect(r.code).toBe(4);
  const result = JSON.parse(r.stdout);
  expect(result).toMatchObject({ ok: false, exitCode: 4, error: { code: 'sandbox_timeout', retryable: false } });
  expect(result.error.message).toMatch(/^timed out after 4s \(--timeout\) while /);
});

it('--timeout reached while the model answers stays a provider error: exit 3, retryable', async () => {
  cli.fake.enqueue({ hang: true });
  const r = await cli.run(['generate', 'a prime check', ...kimi(), '--run', '--timeout', '5', '--json']);
  expect(r.code).toBe(3);
  expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 3, error: { code: 'timeout', retryable: true } });
});
