import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resultSchema } from '../../src/report/result-schema.js';
import { BIN, ROOT } from '../cli/harness.js';
import { useFakeCli } from '../cli/with-fake.js';
import { FAILING_REPLY, PRIME_REPLY } from './replies.js';

const TOOLKIT = join(ROOT, 'examples/roma/ptc_toolkit.py');
const KEY = 'sk-test-canary-python-01';
const cli = useFakeCli({ env: { OPENAI_COMPATIBLE_API_KEY: KEY, PTC_BIN: `${process.execPath} ${BIN}` } });

function python(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, { cwd: cli.sb.cwd, env: { ...cli.sb.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const IMPORT = `import asyncio, json, sys\nsys.path.insert(0, ${JSON.stringify(join(ROOT, 'examples/roma'))})\nfrom ptc_toolkit import PtcToolkit\n`;
const rcFor = (url: string) => JSON.stringify({ provider: 'openai-compatible', model: 'fake-coder', providers: { 'openai-compatible': { baseURL: url } } });

it('as a script: runs ptc generate --json and prints ROMA\'s {success, ...} answer with ptc\'s result', async () => {
  cli.sb.write('.ptcrc.json', rcFor(cli.fake.url));
  cli.fake.enqueue({ text: PRIME_REPLY, usage: { prompt: 70, completion: 30 }, usageShape: 'openai' });
  const r = await python([TOOLKIT, 'a prime check', '--out', 'gen']);
  expect(r.code).toBe(0);
  const answer = JSON.parse(r.stdout);
  expect(answer).toMatchObject({ success: true, tests_failed: false, toolkit: 'PtcToolkit', tool: 'generate_code' });
  expect(answer.summary).toBe(`tests: 2 passed, 0 failed, 0 errors in ${join(cli.sb.cwd, 'gen')}`);
  expect(resultSchema.parse(answer.result)).toMatchObject({ ok: true, command: 'generate', outDir: join(cli.sb.cwd, 'gen'), tests: { passed: 2 } });
  expect(JSON.stringify(cli.fake.requests.at(-1)!.body)).toContain('a prime check');
  expect(r.stdout + r.stderr).not.toContain(KEY);
});

it('failing tests are a successful tool call: success true, tests_failed true, the failures in the result', async () => {
  cli.sb.write('.ptcrc.json', rcFor(cli.fake.url));
  cli.fake.enqueue({ text: FAILING_REPLY });
  const r = await python(['-c', `${IMPORT}print(json.dumps(asyncio.run(PtcToolkit().generate_code("primes, with a wrong test", out="failing", fix=0))))`]);
  expect(r.stderr).toBe('');
  const answer = JSON.parse(r.stdout);
  expect(answer).toMatchObject({ success: true, tests_failed: true });
  const result = resultSchema.parse(answer.result);
  expect(result).toMatchObject({ ok: false, exitCode: 1, error: { code: 'tests_failed' } });
  expect(result.tests!.failed).toBe(1);
});

it('ROMA exposes every public method as a tool: only the async generate_code and run_tests, no blocking duplicate', async () => {
  const r = await python(['-c', `${IMPORT}import inspect
tk = PtcToolkit()
tools = sorted(n for n, m in inspect.getmembers(tk, inspect.ismethod) if not n.startswith("_"))
print(json.dumps({"tools": tools, "async": [inspect.iscoroutinefunction(getattr(tk, n)) for n in tools]}))`]);
  expect(JSON.parse(r.stdout)).toEqual({ tools: ['generate_code', 'run_tests'], async: [true, true] });
});

it('run_tests runs the tests in a folder and reports them the same way', async () => {
  cli.sb.write('mixed/calc.py', readFileSync(join(ROOT, 'test/fixtures/projects/py-mixed/calc.py'), 'utf8'));
  cli.sb.write('mixed/test_calc.py', readFileSync(join(ROOT, 'test/fixtures/projects/py-mixed/test_calc.py'), 'utf8'));
  const r = await python(['-c', `${IMPORT}print(json.dumps(asyncio.run(PtcToolkit().run_tests("mixed"))))`]);
  const answer = JSON.parse(r.stdout);
  expect(answer).toMatchObject({ success: true, tests_failed: true, tool: 'run_tests', result: { command: 'run', exitCode: 1 } });
});

it('when ptc cannot do the job it answers {success: false} with the reason, and never raises', async () => {
  const missing = await python(['-c', `${IMPORT}print(json.dumps(asyncio.run(PtcToolkit(ptc_command="/nonexistent/ptc").generate_code("x"))))`]);
  expect(JSON.parse(missing.stdout)).toMatchObject({ success: false, error_type: 'ptc_not_found', retryable: false });
  // No key for the provider: ptc answers exit 2, which the toolkit passes on as ROMA's error shape.
  const noKey = await python(['-c', `${IMPORT}print(json.dumps(asyncio.run(PtcToolkit().generate_code("x", provider="anthropic"))))`], { ANTHROPIC_API_KEY: '' });
  expect(noKey.stderr).toBe('');
  expect(JSON.parse(noKey.stdout)).toMatchObject({ success: false, error_type: 'missing_key', retryable: false, result: { exitCode: 2 } });
});

it('works with the shipped rc file, which asks for tests and repair: generate_code(run=False) writes the files and runs nothing', async () => {
  // examples/rc/kimi.ptcrc.json as shipped (run: true, fix: 2), pointed at the loopback fake.
  const rc = JSON.parse(readFileSync(join(ROOT, 'examples/rc/kimi.ptcrc.json'), 'utf8'));
  expect(rc).toMatchObject({ run: true, fix: 2 });
  rc.providers.kimi.baseURL = cli.fake.url;
  cli.sb.write('.ptcrc.json', JSON.stringify(rc));
  cli.fake.enqueue({ text: PRIME_REPLY });
  const r = await python(['-c', `${IMPORT}print(json.dumps(asyncio.run(PtcToolkit().generate_code("a prime check", out="norun", run=False))))`], { MOONSHOT_API_KEY: 'fake-moonshot-toolkit-rc' });
  const answer = JSON.parse(r.stdout);
  expect(answer, r.stderr).toMatchObject({ success: true });
  expect(resultSchema.parse(answer.result)).toMatchObject({ ok: true, exitCode: 0, tests: null, outDir: join(cli.sb.cwd, 'norun') });
  expect(r.stdout + r.stderr).not.toContain('fake-moonshot-toolkit-rc');
});
