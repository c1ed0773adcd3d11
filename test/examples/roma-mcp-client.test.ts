import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { BIN, ROOT } from '../cli/harness.js';
import { useFakeCli } from '../cli/with-fake.js';
import { mcpClientPython } from '../python/venv.js';
import { PRIME_REPLY } from './replies.js';

/**
 * ROMA's real clients, in Python: the shipped profile (examples/roma/mcp-toolkit.yaml) starts `ptc mcp` through
 * the official `mcp` package and through FastMCP (what ROMA's MCPToolkit uses), with the environment ROMA gives a
 * stdio server, and each answer is read the way ROMA's toolkit reads it.
 */

const PROFILE = join(ROOT, 'examples/roma/mcp-toolkit.yaml');
const CLIENT = join(ROOT, 'test/python/roma_client.py');
const KEY = 'fake-anthropic-roma-0001';
let python: string;
beforeAll(() => {
  python = mcpClientPython();
}, 300_000);
const cli = useFakeCli({
  wire: 'anthropic',
  // ROMA's own environment: the key is set there; the profile must pass it on to ptc.
  env: { ANTHROPIC_API_KEY: KEY, PTC_ROOT: '' },
  setup: (sb) => {
    sb.env.PTC_ROOT = sb.cwd;
    cpSync(join(ROOT, 'test/fixtures/projects/py-mixed'), join(sb.cwd, 'mixed'), { recursive: true });
  },
});

interface Seen {
  tool: string;
  raised: string | null;
  seen: string | string[] | null;
}

function client(kind: 'mcp' | 'fastmcp', calls: Array<[string, Record<string, unknown>]>): Promise<{ code: number | null; lines: Seen[]; tools: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [CLIENT, PROFILE, kind, process.execPath, BIN, '--', JSON.stringify(calls)], { cwd: cli.sb.cwd, env: cli.sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const parsed = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      resolve({ code, tools: parsed[0]?.tools ?? [], lines: parsed.slice(1), stderr: err });
    });
  });
}

const CALLS: Array<[string, Record<string, unknown>]> = [
  ['run_tests', { dir: 'mixed' }],
  ['generate', { prompt: 'a prime check', provider: 'anthropic', model: 'claude-sonnet-4-6', baseUrl: '', out: 'gen', run: true }],
  ['generate', { prompt: 'x', provider: 'openai' }],
];

function callsFor(url: string) {
  return CALLS.map(([name, args]) => [name, 'baseUrl' in args ? { ...args, baseUrl: url } : args] as [string, Record<string, unknown>]);
}

/** What ROMA's toolkit hands its agent: the summary, then the JSON result. */
function resultOf(s: Seen) {
  expect(s.raised).toBeNull();
  expect(Array.isArray(s.seen)).toBe(true);
  const [summary, json] = s.seen as string[];
  return { summary: summary!, result: resultSchema.parse(JSON.parse(json!)) };
}

for (const kind of ['mcp', 'fastmcp'] as const) {
  it(`${kind}: failing tests reach the agent as a result, the profile passes the Anthropic key, and only a job ptc could not do raises`, async () => {
    cli.fake.enqueue({ text: PRIME_REPLY });
    const r = await client(kind, callsFor(cli.fake.url));
    expect(r.code, r.stderr).toBe(0);
    expect(r.tools).toEqual(['apply', 'generate', 'list_models', 'run_tests']);

    const failing = resultOf(r.lines[0]!);
    expect(failing.summary).toMatch(/^run: done, tests failed — \d+ passed, \d+ failed/);
    expect(failing.result).toMatchObject({ ok: false, exitCode: 1, command: 'run' });

    // The key was in ROMA's environment only: it reached ptc through the profile's env.
    const generated = resultOf(r.lines[1]!);
    expect(generated.result).toMatchObject({ ok: true, exitCode: 0, provider: 'anthropic', tests: { passed: 2 } });
    expect(cli.fake.requests.at(-1)!.headers.authorization ?? cli.fake.requests.at(-1)!.headers['x-api-key']).toContain(KEY);

    // No OpenAI key anywhere: ptc could not do the job, and that is the one the client raises on.
    expect(r.lines[2]!.raised).toMatch(/missing_key/);
    expect(JSON.stringify(r.lines) + r.stderr).not.toContain(KEY);
  }, 120_000);
}
