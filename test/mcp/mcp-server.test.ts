import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { catalogCachePath } from '../../src/cost/catalog-cache.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resultSchema, type Result } from '../../src/report/result-schema.js';
import { ROOT } from '../cli/harness.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai-server.js';
import { leftoverSandboxes, type McpSession, PRIME_REPLY, processesWith, startMcp, waitFor } from './mcp-client.js';

let mcp: McpSession;
let fake: OpenAIFake;

beforeAll(async () => {
  fake = await startOpenAIFake();
  mcp = await startMcp({ OPENAI_COMPATIBLE_API_KEY: 'sk-test-canary-mcp-0001' });
});
afterAll(async () => {
  await mcp?.close();
  await fake?.close();
});
// Every reply queued for a test was asked for, and nothing was asked that was not queued.
afterEach(() => fake.verify());

/** The structured result, checked against the contract; the text is a summary, then the same JSON. */
function contractResult(res: Awaited<ReturnType<McpSession['client']['callTool']>>): Result {
  const structured = resultSchema.parse(res.structuredContent);
  const texts = (res.content as { type: string; text: string }[]).filter((c) => c.type === 'text').map((c) => c.text);
  expect(texts).toHaveLength(2);
  expect(texts[0]!.startsWith(`${structured.command}: `)).toBe(true);
  expect(JSON.parse(texts[1]!)).toEqual(structured);
  return structured;
}

describe('ptc mcp over a real stdio pipe', () => {
  it('lists the four tools, with inputs that mirror the CLI options', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['apply', 'generate', 'list_models', 'run_tests']);
    const generate = tools.find((t) => t.name === 'generate')!;
    const props = Object.keys(generate.inputSchema.properties ?? {});
    for (const option of ['prompt', 'provider', 'model', 'baseUrl', 'lang', 'out', 'force', 'dryRun', 'run', 'sandbox', 'fix', 'maxTokens', 'temperature', 'reasoning', 'timeout', 'maxCost', 'protectTests']) {
      expect(props).toContain(option);
    }
    expect(generate.inputSchema.required).toEqual(['prompt']);
    expect(generate.outputSchema?.required).toContain('schemaVersion');
    expect(Object.keys(tools.find((t) => t.name === 'run_tests')!.inputSchema.properties ?? {})).toContain('dir');
  });

  it('apply writes the files of a reply and runs their tests; files come back by path, not content', async () => {
    const res = await mcp.client.callTool({ name: 'apply', arguments: { reply: PRIME_REPLY, out: 'prime', run: true } });
    const result = contractResult(res);
    expect(res.isError).toBe(false);
    expect(result).toMatchObject({ ok: true, exitCode: 0, command: 'apply', outDir: join(mcp.sb.cwd, 'prime') });
    expect(result.files.map((f) => f.path).sort()).toEqual(['prime.py', 'test_prime.py']);
    expect(result.tests).toMatchObject({ ran: true, sandbox: 'local', passed: 2, failed: 0 });
    expect(readFileSync(join(mcp.sb.cwd, 'prime/prime.py'), 'utf8')).toContain('def is_prime');
    expect(JSON.stringify(res)).not.toContain('def is_prime');
  });

  it('generate calls the provider at baseUrl, reports progress, and never echoes the key', async () => {
    fake.enqueue({ text: PRIME_REPLY, usage: { prompt: 120, completion: 80 }, usageShape: 'openai' });
    const before = fake.requests.length;
    const progress: string[] = [];
    const res = await mcp.client.callTool(
      {
        name: 'generate',
        arguments: { prompt: 'a prime check', provider: 'openai-compatible', baseUrl: fake.url, model: 'fake-coder', out: 'gen', run: true },
      },
      undefined,
      { onprogress: (p) => progress.push(p.message ?? '') },
    );
    const result = contractResult(res);
    expect(result).toMatchObject({ ok: true, exitCode: 0, command: 'generate', provider: 'openai-compatible', model: 'fake-coder' });
    expect(result.usage).toMatchObject({ inputTokens: 120, outputTokens: 80 });
    expect(result.tests?.passed).toBe(2);
    expect(fake.requests.length).toBe(before + 1);
    expect(fake.requests.at(-1)!.headers.authorization).toBe('Bearer sk-test-canary-mcp-0001');
    expect(progress.some((m) => m.includes('asking openai-compatible/fake-coder'))).toBe(true);
    expect(progress).toContain('running tests');
    expect(existsSync(join(mcp.sb.cwd, 'gen/test_prime.py'))).toBe(true);
    expect(JSON.stringify(res) + mcp.stderr()).not.toContain('sk-test-canary-mcp-0001');
  });

  it('run_tests on a failing suite is a result, not a tool error: exitCode 1 with the failing cases, isError false', async () => {
    cpSync(join(ROOT, 'test/fixtures/projects/py-mixed'), join(mcp.sb.cwd, 'mixed'), { recursive: true });
    const res = await mcp.client.callTool({ name: 'run_tests', arguments: { dir: 'mixed' } });
    const result = contractResult(res);
    expect(res.isError).toBe(false);
    expect((res.content as { text: string }[])[0]!.text).toMatch(/^run: done, tests failed — \d+ passed, \d+ failed/);
    expect(result).toMatchObject({ ok: false, exitCode: 1, command: 'run' });
    expect(result.error?.code).toBe('tests_failed');
    expect(result.tests!.failed + result.tests!.errors).toBeGreaterThan(0);
    expect(result.tests!.cases.some((c) => c.status === 'failed')).toBe(true);
  });

  it('list_models returns the catalog with prices and their date', async () => {
    const res = await mcp.client.callTool({ name: 'list_models', arguments: { provider: 'anthropic' } });
    const models = res.structuredContent as { pricesAsOf: string; models: { provider: string; id: string; input: number }[] };
    expect(models.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(models.models.length).toBeGreaterThan(0);
    expect(models.models.every((m) => m.provider === 'anthropic' && m.input > 0)).toBe(true);
  });

  it('list_models reads the prices `ptc models --update` cached, as the CLI does', async () => {
    const cache = {
      version: 1,
      url: 'http://127.0.0.1:1/model_prices.json',
      fetchedAt: '2026-11-29T10:00:00.000Z',
      skipped: 0,
      models: [{ provider: 'anthropic', id: 'claude-sonnet-4-6', input: 2.5, output: 12.5, cacheRead: 0.25, cacheWrite: 3.125, source: 'update fixture' }],
    };
    const path = catalogCachePath(mcp.sb.env);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(cache));
    try {
      const res = await mcp.client.callTool({ name: 'list_models', arguments: { provider: 'anthropic' } });
      const models = (res.structuredContent as { models: { id: string; input: number; output: number }[] }).models;
      expect(models.find((m) => m.id === 'claude-sonnet-4-6')).toMatchObject({ input: 2.5, output: 12.5 });
    } finally {
      rmSync(path);
    }
  });

  it('keeps output inside the root: an out that escapes it is refused and nothing is written', async () => {
    const res = await mcp.client.callTool({ name: 'apply', arguments: { reply: PRIME_REPLY, out: '../escaped' } });
    const result = contractResult(res);
    expect(res.isError).toBe(true);
    expect(result).toMatchObject({ ok: false, exitCode: 2 });
    expect(result.error?.code).toBe('out_outside_root');
    expect(existsSync(join(mcp.sb.dir, 'escaped'))).toBe(false);
  });

  it('answers bad arguments with a tool error the agent can read, and a missing key with exit 2', async () => {
    const bad = await mcp.client.callTool({ name: 'generate', arguments: { prompt: 'x', provider: 'nope' } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/provider/);

    const noKey = contractResult(await mcp.client.callTool({ name: 'generate', arguments: { prompt: 'x', provider: 'anthropic' } }));
    expect(noKey).toMatchObject({ exitCode: 2, error: { code: 'missing_key', retryable: false } });
    expect(noKey.error?.message).toContain('ANTHROPIC_API_KEY');
  });

  it('apply reads replyFile from inside the root only', async () => {
    writeFileSync(join(mcp.sb.cwd, 'saved.md'), PRIME_REPLY);
    const ok = contractResult(await mcp.client.callTool({ name: 'apply', arguments: { replyFile: 'saved.md', dryRun: true } }));
    expect(ok).toMatchObject({ ok: true, dryRun: true });
    expect(ok.files).toHaveLength(2);
    const outside = contractResult(await mcp.client.callTool({ name: 'apply', arguments: { replyFile: '../home/x.md' } }));
    expect(outside.error?.code).toBe('path_outside_root');
  });
});

describe('time limits', () => {
  it('a call that outlasts --request-timeout ends with a timeout result (isError), and the server keeps serving', async () => {
    const session = await startMcp({ OPENAI_COMPATIBLE_API_KEY: 'sk-test-canary-mcp-0002' }, ['--request-timeout', '3']);
    try {
      fake.enqueue({ hang: true });
      const from = fake.requests.length;
      const call = session.client.callTool({
        name: 'generate',
        arguments: { prompt: 'a prime check', provider: 'openai-compatible', baseUrl: fake.url, model: 'fake-coder', out: 'slow' },
      });
      // The model never answers; only the server's limit ends the call.
      await fake.waitForRequest(from);
      const res = await call;
      const result = contractResult(res);
      expect(res.isError).toBe(true);
      expect(result).toMatchObject({ ok: false, error: { code: 'timeout', retryable: true } });
      expect(result.error!.message).toContain("timed out after 3s (the server's per-request limit)");
      const again = await session.client.callTool({ name: 'list_models', arguments: {} });
      expect((again.structuredContent as { models: unknown[] }).models.length).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it('has a per-call limit by default', async () => {
    const { DEFAULT_TOOL_TIMEOUT_SECONDS } = await import('../../src/mcp/tools.js');
    const { spawnSync } = await import('node:child_process');
    const { BIN } = await import('../cli/harness.js');
    const help = spawnSync(process.execPath, [BIN, 'mcp', '--help'], { encoding: 'utf8' }).stdout;
    expect(help).toContain(`(default: ${DEFAULT_TOOL_TIMEOUT_SECONDS})`);
    expect(DEFAULT_TOOL_TIMEOUT_SECONDS).toBeGreaterThan(0);
  });
});

describe('cancellation', () => {
  it('a cancelled run_tests stops the test process and deletes its sandbox; the server keeps serving', async () => {
    const session = await startMcp();
    try {
      const marker = `37.${Date.now() % 100000}`;
      const dir = join(session.sb.cwd, 'slow');
      session.sb.write('slow/test_slow.py', `import subprocess\n\ndef test_slow():\n    subprocess.run(['sleep', '${marker}'])\n`);
      const controller = new AbortController();
      const call = session.client.callTool({ name: 'run_tests', arguments: { dir } }, undefined, { signal: controller.signal });
      call.catch(() => {});
      expect(await waitFor(() => processesWith(`sleep ${marker}`).length > 0, 15_000)).toBe(true);
      expect(leftoverSandboxes(session.tmp)).toHaveLength(1);

      controller.abort();
      await expect(call).rejects.toThrow();
      expect(await waitFor(() => processesWith(`sleep ${marker}`).length === 0, 10_000)).toBe(true);
      expect(await waitFor(() => leftoverSandboxes(session.tmp).length === 0, 10_000)).toBe(true);

      const again = await session.client.callTool({ name: 'list_models', arguments: {} });
      expect((again.structuredContent as { models: unknown[] }).models.length).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it('the server exits when the client closes stdin, and stdout carried nothing but JSON-RPC', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN, makeSandbox } = await import('../cli/harness.js');
    const sb = makeSandbox();
    try {
      const child = spawn(process.execPath, [BIN, 'mcp'], { cwd: sb.cwd, env: sb.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const lines = [
        { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'apply', arguments: { reply: PRIME_REPLY, out: 'p' } } },
      ];
      for (const l of lines) child.stdin.write(JSON.stringify(l) + '\n');
      await waitFor(() => out.includes('"id":2'), 15_000);
      child.stdin.end();
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      expect(code).toBe(0);
      const messages = out.trim().split('\n').map((l) => JSON.parse(l) as { jsonrpc: string; id?: number });
      expect(messages.every((m) => m.jsonrpc === '2.0')).toBe(true);
      expect(messages.map((m) => m.id)).toEqual([1, 2]);
      expect(existsSync(join(sb.cwd, 'p/prime.py'))).toBe(true);
    } finally {
      sb.cleanup();
    }
  });
});
