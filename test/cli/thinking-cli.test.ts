import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { ANSWER_TOKENS, THINKING_BUDGET } from '../../src/providers/reasoning.js';
import { startAnthropicFake } from '../fakes/anthropic-server.js';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { PRIME_REPLY } from '../examples/replies.js';
import { useCliSandbox, useFake } from './with-fake.js';

/** Thinking models through the built CLI: the cap leaves room for thinking, and thinking is counted and priced. */

const anthropic = useFake(() => startAnthropicFake());
const chat = useFake(() => startOpenAIFake());
const cli = useCliSandbox({ ANTHROPIC_API_KEY: 'fake-anthropic-thinking', MOONSHOT_API_KEY: 'fake-kimi-thinking', OPENAI_API_KEY: 'fake-openai-thinking' });

const json = (stdout: string) => resultSchema.parse(JSON.parse(stdout));

it('anthropic by default: a reply that thinks 8,500 tokens is not cut off, and its thinking is priced as output', async () => {
  // The fake stops at max_tokens as the API does: under the old 8192 cap this reply was cut off (exit 5).
  anthropic.fake.enqueue({ thinking: 'Consider the edge cases. '.repeat(40), text: PRIME_REPLY, usage: { input: 1000, output: 9000, thinking: 8500 }, cutAtMaxTokens: true });
  const r = await cli.run(['generate', 'a prime check', '-p', 'anthropic', '-m', 'claude-sonnet-4-6', '--base-url', anthropic.fake.url, '-o', 'out', '--json']);
  expect(r.stderr).toBe('');
  const result = json(r.stdout);
  expect(result).toMatchObject({ ok: true, exitCode: 0, usage: { outputTokens: 9000, reasoningTokens: 8500 } });
  // Sonnet 4.6: $3 in, $15 out per 1M; the 8,500 thinking tokens are in the 9,000 output.
  expect(result.cost).toEqual({ usd: (1000 * 3 + 9000 * 15) / 1e6, source: 'catalog' });
  const body = anthropic.fake.requests.at(-1)!.body;
  expect(body.max_tokens).toBe(ANSWER_TOKENS + THINKING_BUDGET.medium);
  // Not asked: the model thinks as it does by default, nothing about thinking is sent.
  expect(body.thinking).toBeUndefined();
});

it('anthropic --reasoning high: budget_tokens sent inside a cap that holds it and the answer; the text report names the thinking', async () => {
  anthropic.fake.enqueue({ thinking: 'Plan. '.repeat(30), text: PRIME_REPLY, usage: { input: 500, output: 3000, thinking: 2600 } });
  const r = await cli.run(['generate', 'a prime check', '-p', 'anthropic', '-m', 'claude-sonnet-4-6', '--base-url', anthropic.fake.url, '-o', 'out', '--reasoning', 'high', '--max-tokens', '6000']);
  expect(r.code).toBe(0);
  expect(anthropic.fake.requests.at(-1)!.body).toMatchObject({ max_tokens: 6000 + THINKING_BUDGET.high, thinking: { type: 'enabled', budget_tokens: THINKING_BUDGET.high } });
  expect(r.stdout).toContain('3000 out (2600 thinking)');
});

it('kimi: reasoning_content streams, reasoning_effort is sent, the thinking is counted and the answer holds none of it', async () => {
  chat.fake.enqueue({ reasoning: 'THOUGHT '.repeat(100), text: PRIME_REPLY, usageShape: 'kimi-top-level-cached', usage: { prompt: 800, completion: 1400 } });
  const r = await cli.run(['generate', 'a prime check', '-p', 'kimi', '-m', 'kimi-k2.6', '--base-url', chat.fake.url, '-o', 'out', '--json', '--reasoning', 'low']);
  const result = json(r.stdout);
  expect(result).toMatchObject({ ok: true, usage: { outputTokens: 1400, reasoningTokens: 200 } });
  for (const f of ['out/prime.py', 'out/test_prime.py']) expect(readFileSync(join(cli.sb.cwd, f), 'utf8')).not.toContain('THOUGHT');
  const body = chat.fake.requests.at(-1)!.body;
  expect(body).toMatchObject({ reasoning_effort: 'low', max_tokens: ANSWER_TOKENS + THINKING_BUDGET.low });
  expect(body.thinking).toBeUndefined();
});

it('--max-tokens above the model maximum is capped there, with a warning', async () => {
  chat.fake.enqueue({ text: PRIME_REPLY });
  const r = await cli.run(['generate', 'a prime check', '-p', 'openai', '-m', 'gpt-4o-mini', '--base-url', chat.fake.url, '-o', 'out', '--max-tokens', '100000']);
  expect(r.code).toBe(0);
  expect(chat.fake.requests.at(-1)!.body.max_completion_tokens).toBe(16384);
  expect(r.stderr).toContain("--max-tokens 100000 is above gpt-4o-mini's maximum output of 16384 tokens: asking for 16384");
});

it('reasoning comes from the rc file too, and a bad level is a usage error with the choices', async () => {
  cli.sb.write('.ptcrc.json', JSON.stringify({ reasoning: 'off' }));
  chat.fake.enqueue({ text: PRIME_REPLY });
  const ok = await cli.run(['generate', 'a prime check', '-p', 'kimi', '-m', 'kimi-k2.6', '--base-url', chat.fake.url, '-o', 'out']);
  expect(ok.code).toBe(0);
  expect(chat.fake.requests.at(-1)!.body).toMatchObject({ thinking: { type: 'disabled' } });
  const bad = await cli.run(['generate', 'x', '-p', 'kimi', '--reasoning', 'max']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--reasoning: unknown value "max"; expected one of off, low, medium, high');
});
