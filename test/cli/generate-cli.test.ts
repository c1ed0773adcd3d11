import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_OUTPUT_TOKENS } from '../../src/core/budget.js';
import { THINKING_BUDGET } from '../../src/providers/reasoning.js';
import { resultSchema } from '../../src/report/result-schema.js';
import { openaiErrors } from '../fakes/openai-server.js';
import { BIN, runPtc, type Sandbox } from './harness.js';
import { useFakeCli } from './with-fake.js';

const CANARY = 'sk-test-canary-7f3a9c1e5b2d4860';

const GOOD_REPLY = [
  'Here is the implementation and its tests.',
  '',
  '```python path=prime.py',
  'def is_prime(n: int) -> bool:',
  '    if n < 2:',
  '        return False',
  '    i = 2',
  '    while i * i <= n:',
  '        if n % i == 0:',
  '            return False',
  '        i += 1',
  '    return True',
  '```',
  '',
  '```python path=test_prime.py',
  'from prime import is_prime',
  '',
  'def test_primes():',
  '    assert all(is_prime(p) for p in [2, 3, 5, 7, 11])',
  '',
  'def test_composites():',
  '    assert not any(is_prime(c) for c in [0, 1, 4, 9, 15])',
  '```',
].join('\n');

const cli = useFakeCli({ env: { MOONSHOT_API_KEY: CANARY }, clearRequests: true });

const kimiArgs = () => ['--provider', 'kimi', '--base-url', cli.fake.url];

/** Every byte ptc wrote to the user's disk, for secret checks. */
function allWrittenText(dir: string): string {
  let text = '';
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else text += readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return text;
}

describe('ptc generate against a loopback provider', () => {
  it('writes code and tests, runs them, reports usage and catalog cost', async () => {
    cli.fake.enqueue({ text: GOOD_REPLY, usage: { prompt: 1200, completion: 300, cached: 200 }, usageShape: 'kimi-top-level-cached' });
    const r = await cli.run(['generate', 'a function that checks if a number is prime', ...kimiArgs(), '--run', '--out', 'prime', '--json']);
    expect(r.stderr).not.toContain('Error:');
    expect(r.code).toBe(0);
    const result = resultSchema.parse(JSON.parse(r.stdout));
    expect(result.ok).toBe(true);
    expect(result.provider).toBe('kimi');
    expect(result.outDir).toBe(join(cli.sb.cwd, 'prime'));
    expect(result.files.map((f) => [f.path, f.kind])).toEqual([
      ['prime.py', 'code'],
      ['test_prime.py', 'test'],
    ]);
    expect(result.tests).toMatchObject({ ran: true, sandbox: 'local', passed: 2, failed: 0 });
    expect(result.usage).toEqual({ inputTokens: 1000, outputTokens: 300, cacheReadTokens: 200, cacheWriteTokens: 0 });
    expect(result.cost?.source).toBe('catalog');
    expect(result.cost?.usd).toBeGreaterThan(0);
    expect(result.rounds).toHaveLength(1);
    // What was sent: the model, a system prompt, the user's words, and the key only in the auth header.
    const sent = cli.fake.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(sent.body.messages[0].role).toBe('system');
    expect(sent.body.messages.at(-1).content).toContain('checks if a number is prime');
    expect(readFileSync(join(cli.sb.cwd, 'prime', 'prime.py'), 'utf8')).toContain('def is_prime');
    expect(allWrittenText(cli.sb.cwd)).not.toContain(CANARY);
  });

  it('reads the prompt from stdin when no words are given', async () => {
    cli.fake.enqueue({ text: GOOD_REPLY });
    const r = await cli.run(['generate', ...kimiArgs(), '--out', 'p', '--json'], { input: 'a prime checker from stdin\n' });
    expect(r.code).toBe(0);
    expect(cli.fake.requests.at(-1)!.body.messages.at(-1).content).toContain('a prime checker from stdin');
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    cli.fake.enqueue({ text: GOOD_REPLY });
    const r = await cli.run(['generate', 'prime checker', ...kimiArgs(), '--out', 'dry', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('prime.py');
    expect(r.stdout).toContain('test_prime.py');
    expect(existsSync(join(cli.sb.cwd, 'dry'))).toBe(false);
  });

  it('a reply cut off at the token limit writes no code and exits 5; the paid reply is kept in .ptc/replies', async () => {
    cli.fake.enqueue({ text: GOOD_REPLY.slice(0, 120), finishReason: 'length' });
    const r = await cli.run(['generate', 'prime checker', ...kimiArgs(), '--out', 'cut', '--json']);
    expect(r.code).toBe(5);
    const result = JSON.parse(r.stdout);
    expect(result.error.code).toBe('reply_truncated');
    expect(result.error.hint).toContain('--max-tokens');
    expect(readdirSync(join(cli.sb.cwd, 'cut'))).toEqual(['.ptc']);
    expect(result.error.replyFile.startsWith(join(cli.sb.cwd, 'cut', '.ptc', 'replies'))).toBe(true);
    expect(result.error.hint).toContain('the reply is saved in cut/.ptc/replies/');
  });

  it('a reply without code exits 5 and quotes its start', async () => {
    cli.fake.enqueue({ text: 'I am sorry, I cannot help with that.' });
    const r = await cli.run(['generate', 'prime checker', ...kimiArgs(), '--out', 'none']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('no code found');
    expect(r.stderr).toContain('I am sorry');
  });

  it('refuses to overwrite existing files without --force (exit 2) and overwrites with it', async () => {
    cli.sb.write('out/prime.py', 'original = True\n');
    cli.fake.enqueue({ text: GOOD_REPLY }, { text: GOOD_REPLY });
    const refused = await cli.run(['generate', 'prime checker', ...kimiArgs(), '--out', 'out']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('prime.py');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(join(cli.sb.cwd, 'out', 'prime.py'), 'utf8')).toBe('original = True\n');
    expect(existsSync(join(cli.sb.cwd, 'out', 'test_prime.py'))).toBe(false);
    const forced = await cli.run(['generate', 'prime checker', ...kimiArgs(), '--out', 'out', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(cli.sb.cwd, 'out', 'prime.py'), 'utf8')).toContain('def is_prime');
  });
});

describe('--max-cost bounds each call on the wire', () => {
  it('an OpenAI-compatible call carries the output cap the budget assumed: max_tokens for Kimi, max_completion_tokens for OpenAI', async () => {
    cli.fake.enqueue({ text: GOOD_REPLY }, { text: GOOD_REPLY });
    const kimi = await cli.run(['generate', 'prime checker', ...kimiArgs(), '--max-cost', '1', '--no-run', '--out', 'k', '--json']);
    expect(kimi.code, kimi.stderr).toBe(0);
    const openai = await cli.run(['generate', 'prime checker', '--provider', 'openai', '--base-url', cli.fake.url, '--max-cost', '1', '--no-run', '--out', 'o', '--json'], {
      env: { OPENAI_API_KEY: CANARY },
    });
    expect(openai.code, openai.stderr).toBe(0);
    const [toKimi, toOpenAI] = cli.fake.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body);
    // Both default models think: the cap (and the budget check) holds the answer and room to think.
    const cap = DEFAULT_MAX_OUTPUT_TOKENS + THINKING_BUDGET.medium;
    expect(toKimi).toMatchObject({ max_tokens: cap });
    // OpenAI's newer models reject max_tokens.
    expect(toOpenAI).toMatchObject({ max_completion_tokens: cap });
    expect(toOpenAI).not.toHaveProperty('max_tokens');
  });
});

describe('the key never appears in any output, log or file', () => {
  const cases: { name: string; setup: (sb: Sandbox) => { env: NodeJS.ProcessEnv; args: string[] }; reply?: () => void; code: number }[] = [
    {
      name: 'env var, 401 from the provider',
      setup: (s) => ({ env: s.env, args: kimiArgs() }),
      reply: () => cli.fake.enqueue(openaiErrors.status(401, `Invalid Authentication: key ${CANARY} rejected`, 'invalid_authentication_error')),
      code: 3,
    },
    {
      name: '.env file, quota exhausted',
      setup: (s) => {
        s.write('.env', `MOONSHOT_API_KEY=${CANARY}\n`);
        const env = { ...s.env };
        delete env.MOONSHOT_API_KEY;
        return { env, args: kimiArgs() };
      },
      reply: () => cli.fake.enqueue(openaiErrors.kimiQuota()),
      code: 3,
    },
    {
      name: 'apiKeyEnv named by the rc file, verbose, model echoes the key',
      setup: (s) => {
        s.write('.ptcrc.json', JSON.stringify({ providers: { kimi: { apiKeyEnv: 'MY_KIMI' } } }));
        const env: NodeJS.ProcessEnv = { ...s.env, MY_KIMI: CANARY };
        delete env.MOONSHOT_API_KEY;
        return { env, args: [...kimiArgs(), '--verbose'] };
      },
      reply: () => cli.fake.enqueue({ text: `no code, but here is your key: ${CANARY}` }),
      code: 5,
    },
    {
      name: 'literal key in an rc file, unreachable endpoint',
      setup: (s) => {
        s.write('.ptcrc.json', JSON.stringify({ providers: { openai: { apiKey: CANARY } } }));
        const env = { ...s.env };
        delete env.MOONSHOT_API_KEY;
        return { env, args: ['--provider', 'openai', '--base-url', 'http://127.0.0.1:9/v1'] };
      },
      code: 3,
    },
    {
      name: 'config show and doctor',
      setup: (s) => ({ env: s.env, args: [] }),
      code: -1,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const { env, args } = c.setup(cli.sb);
      let out = '';
      if (c.code === -1) {
        for (const cmd of [['config', 'show'], ['config', 'show', '--json'], ['doctor', '--offline', '--json'], ['doctor', '--offline']]) {
          const r = await runPtc(cmd, { cwd: cli.sb.cwd, env });
          out += r.stdout + r.stderr;
        }
        expect(out).toContain('MOONSHOT_API_KEY');
      } else {
        for (const json of [false, true]) {
          c.reply?.();
          const r = await runPtc(['generate', 'prime checker', ...args, '--out', 'o', ...(json ? ['--json'] : [])], { cwd: cli.sb.cwd, env });
          expect(r.code).toBe(c.code);
          out += r.stdout + r.stderr;
        }
      }
      expect(out).not.toContain(CANARY);
      expect(out).not.toContain(CANARY.slice(0, -4));
      if (existsSync(join(cli.sb.cwd, 'o'))) expect(allWrittenText(join(cli.sb.cwd, 'o'))).not.toContain(CANARY);
    });
  }

  it('a bad key names the provider and the variable it came from', async () => {
    cli.fake.enqueue(openaiErrors.status(401, 'Invalid Authentication', 'invalid_authentication_error'));
    const r = await cli.run(['generate', 'prime checker', ...kimiArgs(), '--json']);
    expect(r.code).toBe(3);
    const result = JSON.parse(r.stdout);
    expect(result.error.code).toBe('provider_auth');
    expect(result.error.retryable).toBe(false);
    expect(`${result.error.message} ${result.error.hint}`).toContain('MOONSHOT_API_KEY');
  });
});

describe('interrupts and time limits', () => {
  /** Starts a generate against a hanging provider, sends `signal` once the request is in flight, and waits. */
  async function interruptWhileWaiting(signal: NodeJS.Signals) {
    cli.fake.enqueue({ hang: true });
    const child = spawn(process.execPath, [BIN, 'generate', 'prime checker', ...kimiArgs(), '--json'], { cwd: cli.sb.cwd, env: cli.sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    await cli.fake.waitForRequest(cli.fake.requests.length);
    const sentAt = Date.now();
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    return { code, took: Date.now() - sentAt, result: JSON.parse(stdout) };
  }

  it('SIGINT cancels the HTTP request at once and exits 130', async () => {
    const { code, took, result } = await interruptWhileWaiting('SIGINT');
    expect(code).toBe(130);
    expect(took).toBeLessThan(1000);
    expect(result.exitCode).toBe(130);
    expect(result.error.code).toBe('interrupted');
  });

  it('SIGTERM exits 143 and the result says so', async () => {
    const { code, result } = await interruptWhileWaiting('SIGTERM');
    expect(code).toBe(143);
    expect(result).toMatchObject({ ok: false, exitCode: 143, error: { code: 'interrupted' } });
  });

  it('--timeout bounds the whole command (exit 3, retryable)', async () => {
    cli.fake.enqueue({ hang: true });
    const started = Date.now();
    const r = await cli.run(['generate', 'prime checker', ...kimiArgs(), '--timeout', '5', '--json']);
    // 5 s, not 1: a loaded machine can take seconds to start ptc and check before paying, and the call must
    // reach the hanging fake.
    expect(Date.now() - started).toBeLessThan(12000);
    expect(r.code).toBe(3);
    const result = JSON.parse(r.stdout);
    expect(result.error.code).toBe('timeout');
    expect(result.error.retryable).toBe(true);
  });
});
