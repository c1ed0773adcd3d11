import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/harness.js';
import { useFakeCli } from '../cli/with-fake.js';
import { openaiErrors } from '../fakes/openai-server.js';
import { PRIME_REPLY } from '../mcp/mcp-client.js';
import { expectContractResult } from './schema-check.js';

/** `--json` as scripts use it: one document on stdout, valid against the shipped schema, exit code = exitCode. */

const KEY = 'sk-test-canary-contract-01';
const cli = useFakeCli({ env: { OPENAI_COMPATIBLE_API_KEY: KEY } });

async function ptcJson(args: string[], input?: string) {
  const r = await cli.run([...args, '--json'], { input });
  let doc: unknown;
  expect(() => (doc = JSON.parse(r.stdout)), `stdout is one JSON document: ${r.stdout.slice(0, 300)}\n${r.stderr}`).not.toThrow();
  const result = expectContractResult(doc);
  expect(r.code).toBe(result.exitCode);
  expect(result.ok).toBe(result.exitCode === 0);
  expect(r.stdout + r.stderr).not.toContain(KEY);
  return result;
}

const fakeArgs = () => ['-p', 'openai-compatible', '--base-url', cli.fake.url, '-m', 'fake-coder'];

describe('ptc generate --json', () => {
  it('success: files, usage, tests and one round', async () => {
    cli.fake.enqueue({ text: PRIME_REPLY, usage: { prompt: 90, completion: 60 }, usageShape: 'openai' });
    const result = await ptcJson(['generate', 'a prime check', ...fakeArgs(), '--out', 'gen', '--run']);
    expect(result).toMatchObject({ exitCode: 0, command: 'generate', provider: 'openai-compatible', error: null });
    expect(result.rounds).toHaveLength(1);
    expect(result.tests?.passed).toBe(2);
  });

  it('the prompt can come from stdin, and nothing waits for a terminal', async () => {
    cli.fake.enqueue({ text: PRIME_REPLY });
    const result = await ptcJson(['generate', ...fakeArgs(), '--out', 'piped'], 'a prime check, piped in\n');
    expect(result.exitCode).toBe(0);
    expect(JSON.stringify(cli.fake.requests.at(-1)!.body)).toContain('a prime check, piped in');
  });

  it('provider failure: exit 3, error with code, hint and retryable', async () => {
    cli.fake.enqueue(openaiErrors.status(401, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key'));
    const result = await ptcJson(['generate', 'x', ...fakeArgs(), '--out', 'nope']);
    expect(result).toMatchObject({ exitCode: 3, error: { retryable: false } });
    expect(result.error!.hint).toBeTruthy();
  });

  it('missing key: exit 2 and the variable to set', async () => {
    const result = await ptcJson(['generate', 'x', '-p', 'anthropic']);
    expect(result).toMatchObject({ exitCode: 2, error: { code: 'missing_key', retryable: false } });
    expect(result.error!.message).toContain('ANTHROPIC_API_KEY');
  });

  it('no prompt at all: exit 2, still a full result', async () => {
    const result = await ptcJson(['generate'], '');
    expect(result).toMatchObject({ exitCode: 2, command: 'generate', error: { code: 'usage' } });
  });
});

describe('ptc apply --json', () => {
  it('success with tests run', async () => {
    cli.sb.write('reply.md', PRIME_REPLY);
    const result = await ptcJson(['apply', 'reply.md', '--out', 'applied', '--run']);
    expect(result).toMatchObject({ exitCode: 0, command: 'apply', provider: null, usage: null });
    expect(result.files.map((f) => f.path).sort()).toEqual(['prime.py', 'test_prime.py']);
  });

  it('dry run: dryRun true, nothing written', async () => {
    cli.sb.write('reply.md', PRIME_REPLY);
    const result = await ptcJson(['apply', 'reply.md', '--out', 'dry', '--dry-run']);
    expect(result).toMatchObject({ exitCode: 0, dryRun: true });
  });

  it('a reply with no code: exit 5', async () => {
    cli.sb.write('empty.md', 'I cannot help with that.\n');
    const result = await ptcJson(['apply', 'empty.md']);
    expect(result).toMatchObject({ exitCode: 5, command: 'apply' });
  });

  it('a missing reply file: exit 2', async () => {
    const result = await ptcJson(['apply', 'missing.md']);
    expect(result).toMatchObject({ exitCode: 2, command: 'apply' });
  });
});

describe('ptc run --json', () => {
  it('passing suite: exit 0 with cases', async () => {
    cli.sb.write('reply.md', PRIME_REPLY);
    await cli.run(['apply', 'reply.md', '--out', 'proj', '--quiet']);
    const result = await ptcJson(['run', 'proj']);
    expect(result).toMatchObject({ exitCode: 0, command: 'run', tests: { ran: true, passed: 2 } });
    expect(result.tests!.cases.every((c) => c.status === 'passed')).toBe(true);
  });

  it('failing suite: exit 1, error tests_failed', async () => {
    cpSync(join(ROOT, 'test/fixtures/projects/py-mixed'), join(cli.sb.cwd, 'mixed'), { recursive: true });
    const result = await ptcJson(['run', 'mixed']);
    expect(result).toMatchObject({ exitCode: 1, ok: false, error: { code: 'tests_failed', retryable: false } });
  });

  it('not a directory: exit 2', async () => {
    const result = await ptcJson(['run', 'nowhere']);
    expect(result).toMatchObject({ exitCode: 2, command: 'run' });
  });
});
