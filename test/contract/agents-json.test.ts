import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/harness.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai-server.js';
import { type McpSession, PRIME_REPLY, startMcp } from '../mcp/mcp-client.js';
import { type ServeProcess, startServe } from '../serve/serve-process.js';
import { expectContractResult } from './schema-check.js';

/** MCP and HTTP answer with the same contract as `--json`: checked against the shipped schema file. */

let fake: OpenAIFake;
beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake?.close());
// Every reply queued for a test was asked for, and nothing was asked that was not queued.
afterEach(() => fake.verify());

describe('ptc mcp results', () => {
  let mcp: McpSession;
  beforeAll(async () => {
    mcp = await startMcp({ OPENAI_COMPATIBLE_API_KEY: 'sk-test-canary-agents-01' });
    cpSync(join(ROOT, 'test/fixtures/projects/py-mixed'), join(mcp.sb.cwd, 'mixed'), { recursive: true });
  });
  afterAll(async () => mcp?.close());

  const cases: [string, string, () => Record<string, unknown>, number][] = [
    ['generate, success', 'generate', () => ({ prompt: 'primes', provider: 'openai-compatible', baseUrl: fake.url, model: 'fake-coder', out: 'g', run: true }), 0],
    ['apply, success', 'apply', () => ({ reply: PRIME_REPLY, out: 'a' }), 0],
    ['apply, no code', 'apply', () => ({ reply: 'nothing here' }), 5],
    ['run_tests, failing', 'run_tests', () => ({ dir: 'mixed' }), 1],
    ['run_tests, missing dir', 'run_tests', () => ({ dir: 'nowhere' }), 2],
  ];
  for (const [label, tool, args, exitCode] of cases) {
    it(label, async () => {
      if (tool === 'generate') fake.enqueue({ text: PRIME_REPLY });
      const res = await mcp.client.callTool({ name: tool, arguments: args() });
      const result = expectContractResult(res.structuredContent);
      expect(result.exitCode).toBe(exitCode);
      // A short summary for agents that read text, then the same JSON as the structured content.
      const texts = (res.content as { text: string }[]).map((c) => c.text);
      expect(texts[0]!.startsWith(`${result.command}: `)).toBe(true);
      expect(JSON.parse(texts[1]!)).toEqual(res.structuredContent);
      // Failing tests are a result; every other failure is a job ptc could not do.
      expect(res.isError).toBe(exitCode !== 0 && exitCode !== 1);
    });
  }
});

describe('ptc serve results', () => {
  let srv: ServeProcess;
  beforeAll(async () => {
    srv = await startServe(['--allow-base-url'], { OPENAI_COMPATIBLE_API_KEY: 'sk-test-canary-agents-02' }, (sb) =>
      cpSync(join(ROOT, 'test/fixtures/projects/py-mixed'), join(sb.cwd, 'mixed'), { recursive: true }),
    );
  });
  afterAll(async () => srv?.stop());

  const cases: [string, string, () => Record<string, unknown>, number][] = [
    ['generate, success (baseUrl allowed by flag)', '/v1/generate', () => ({ prompt: 'primes', provider: 'openai-compatible', baseUrl: fake.url, model: 'fake-coder', out: 'g' }), 0],
    ['apply, success', '/v1/apply', () => ({ reply: PRIME_REPLY, out: 'a', run: true }), 0],
    ['apply, no code', '/v1/apply', () => ({ reply: 'nothing here' }), 5],
    ['run, failing', '/v1/run', () => ({ dir: 'mixed' }), 1],
  ];
  for (const [label, path, body, exitCode] of cases) {
    it(label, async () => {
      if (path === '/v1/generate') fake.enqueue({ text: PRIME_REPLY });
      const res = await srv.post(path, body());
      expect(res.status).toBe(200);
      expect(expectContractResult(res.json).exitCode).toBe(exitCode);
    });
  }
});
