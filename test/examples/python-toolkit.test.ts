import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { BIN, makeSandbox, ROOT, type Sandbox } from '../cli/harness.js';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai-server.js';
import { FAILING_REPLY, PRIME_REPLY } from './replies.js';

const TOOLKIT = join(ROOT, 'examples/roma/ptc_toolkit.py');
const KEY = 'sk-test-canary-python-01';
let fake: OpenAIFake;
let sb: Sandbox;
beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(async () => fake?.close());
beforeEach(() => {
  sb = makeSandbox({ OPENAI_COMPATIBLE_API_KEY: KEY, PTC_BIN: `${process.execPath} ${BIN}` });
});
afterEach(() => {
  sb.cleanup();
  // Every reply queued for this test was asked for, and nothing was asked that was not queued.
  fake.verify();
});

function python(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, { cwd: sb.cwd, env: { ...sb.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it('the toolkit shells out to ptc generate --json and returns the parsed result (as a script)', async () => {
  fake.enqueue({ text: PRIME_REPLY, usage: { prompt: 70, completion: 30 }, usageShape: 'openai' });
  const r = await python([TOOLKIT, 'a prime check', '--provider', 'openai-compatible', '--base-url', fake.url, '--model', 'fake-coder', '--out', 'gen']);
  expect(r.code).toBe(0);
  const result = resultSchema.parse(JSON.parse(r.stdout));
  expect(result).toMatchObject({ ok: true, command: 'generate', outDir: join(sb.cwd, 'gen'), tests: { passed: 2 } });
  expect(JSON.stringify(fake.requests.at(-1)!.body)).toContain('a prime check');
  expect(r.stdout + r.stderr).not.toContain(KEY);
});

it('generate_code is an async tool method an agent calls; config comes from ptc (an rc file here)', async () => {
  sb.write('.ptcrc.json', JSON.stringify({ provider: 'openai-compatible', model: 'fake-coder', providers: { 'openai-compatible': { baseURL: fake.url } } }));
  fake.enqueue({ text: FAILING_REPLY });
  const script = `
import asyncio, json, sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'examples/roma'))})
from ptc_toolkit import PtcToolkit
tk = PtcToolkit()
print(json.dumps(asyncio.run(tk.generate_code("primes, with a wrong test", out="failing", fix=0))))
`;
  const r = await python(['-c', script]);
  expect(r.stderr).toBe('');
  const result = resultSchema.parse(JSON.parse(r.stdout));
  expect(result).toMatchObject({ ok: false, exitCode: 1, error: { code: 'tests_failed', retryable: false } });
  expect(result.tests!.failed).toBe(1);
});

it('generate_code(run=False) works with the shipped rc file, which sets fix', async () => {
  const rc = JSON.parse(readFileSync(join(ROOT, 'examples/rc/kimi.ptcrc.json'), 'utf8'));
  expect(rc.fix).toBeGreaterThan(0);
  rc.providers.kimi.baseURL = fake.url;
  sb.write('.ptcrc.json', JSON.stringify(rc));
  fake.enqueue({ text: PRIME_REPLY });
  const script = `
import asyncio, json, sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'examples/roma'))})
from ptc_toolkit import PtcToolkit
print(json.dumps(asyncio.run(PtcToolkit().generate_code("a prime check", out="files-only", run=False))))
`;
  const r = await python(['-c', script], { MOONSHOT_API_KEY: 'sk-test-canary-python-02' });
  const result = resultSchema.parse(JSON.parse(r.stdout));
  expect(result).toMatchObject({ ok: true, exitCode: 0, tests: null, outDir: join(sb.cwd, 'files-only') });
  expect((result.warnings ?? []).join('\n')).toContain('repair is off');
});

it('a ptc that cannot be started gives the same ok/exitCode/error shape', async () => {
  const r = await python(['-c', `
import json, sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'examples/roma'))})
from ptc_toolkit import PtcToolkit
print(json.dumps(PtcToolkit(ptc_command="/nonexistent/ptc").generate("x")))
`]);
  expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, exitCode: 127, error: { code: 'ptc_not_found', retryable: false } });
});
