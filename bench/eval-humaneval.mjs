#!/usr/bin/env node
// `ptc eval humaneval` (all 164 problems) against an instantly answering fake provider, compared with `ptc batch`
// on the same prompts and the same replies. The difference is eval's own work: the hidden test (the problem's
// `check`) run beside the model's tests in each sandbox, and the scoring. Prints both wall times and the ratio.
// Target: eval within 1.5x the batch's time on this 2-core machine.
//
// The fake answers each prompt with the canonical solution and a one-line test of its own, as a model would.
// The two runs alternate over --slices parts of the suite, so a machine that gets busier or quieter during the
// bench affects both alike.
//
// usage: node bench/eval-humaneval.mjs [--limit N] [--concurrency 2] [--slices 2] [--json]
// Build first: npm run build
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { limit: Infinity, concurrency: 2, slices: 2, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--limit') opts.limit = Number(argv[++i]);
    else if (a === '--concurrency') opts.concurrency = Number(argv[++i]);
    else if (a === '--slices') opts.slices = Math.max(1, Number(argv[++i]));
    else if (a === '--json') opts.json = true;
    else {
      console.error('usage: node bench/eval-humaneval.mjs [--limit N] [--concurrency 2] [--slices 2] [--json]');
      process.exit(a === '-h' || a === '--help' ? 0 : 2);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(join(repo, 'dist/cli/main.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const { humanEvalTask } = await import(pathToFileURL(join(repo, 'dist/eval/humaneval.js')).href);
const problems = gunzipSync(await readFile(join(repo, 'suites/humaneval/HumanEval.jsonl.gz')))
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))
  .slice(0, opts.limit);

const replyFor = (p) =>
  `Here is \`${p.entry_point}\`.\n\n` +
  '```python path=solution.py\n' + p.prompt + p.canonical_solution + '```\n\n' +
  '```python path=test_solution.py\n' +
  `from solution import ${p.entry_point}\n\n\ndef test_${p.entry_point}_exists():\n    assert callable(${p.entry_point})\n` + '```\n';

/** OpenAI-compatible chat completions, answering by the problem whose prompt the request holds. */
async function startFakeProvider() {
  const byPrompt = problems.map((p) => [p.prompt.trim(), replyFor(p)]).sort((a, b) => b[0].length - a[0].length);
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}');
      const user = (body.messages ?? []).filter((m) => m.role === 'user').map((m) => m.content).join('\n');
      const text = byPrompt.find(([prompt]) => user.includes(prompt))?.[1] ?? 'no such task';
      const base = { id: 'chatcmpl-bench', created: 0, model: body.model };
      const usage = { prompt_tokens: Math.ceil(user.length / 4), completion_tokens: Math.ceil(text.length / 4) };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (d) => res.write(`data: ${JSON.stringify(d)}\n\n`);
      send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }] });
      send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, close: () => new Promise((r) => server.close(r)) };
}

function run(args, cwd, env) {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(repo, 'bin/ptc.js'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

const work = await mkdtemp(join(tmpdir(), 'ptc-bench-eval-'));
const env = {
  PATH: process.env.PATH,
  HOME: join(work, 'home'),
  XDG_CONFIG_HOME: join(work, 'config'),
  XDG_DATA_HOME: join(work, 'data'),
  OPENAI_API_KEY: 'fake-bench-key-0000',
  LANG: 'C.UTF-8',
};
const fake = await startFakeProvider();
const common = ['--base-url', fake.url, '--sandbox', 'local', '--concurrency', String(opts.concurrency), '--fix', '0', '--no-history', '--json'];

async function evalSlice(part, slice) {
  const cwd = join(work, `eval-${slice}`);
  await mkdir(cwd, { recursive: true });
  const ids = part.map((p) => p.task_id.replace('/', '_')).join(',');
  const r = await run(['eval', 'humaneval', '-m', 'openai:gpt-4.1', '--tasks', ids, '--out', 'out', ...common], cwd, env);
  const doc = JSON.parse(r.stdout || 'null');
  if (!doc) throw new Error(`eval printed no JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  return { ms: r.ms, solved: doc.targets[0].solved };
}

async function batchSlice(part, slice) {
  const cwd = join(work, `batch-${slice}`);
  await mkdir(cwd, { recursive: true });
  const lines = part.map((p) => JSON.stringify({ id: p.task_id.replace('/', '_'), prompt: humanEvalTask(p).prompt, provider: 'openai', model: 'gpt-4.1' }));
  await writeFile(join(cwd, 'tasks.jsonl'), lines.join('\n') + '\n');
  const r = await run(['batch', 'tasks.jsonl', '--run', '--out', 'out', ...common], cwd, env);
  const doc = JSON.parse(r.stdout || 'null');
  if (!doc) throw new Error(`batch printed no JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  return { ms: r.ms, passed: doc.totals.passed };
}

try {
  const totals = { eval: { ms: 0, solved: 0 }, batch: { ms: 0, passed: 0 } };
  const size = Math.ceil(problems.length / opts.slices);
  for (let slice = 0; slice * size < problems.length; slice++) {
    const part = problems.slice(slice * size, (slice + 1) * size);
    const order = slice % 2 === 0 ? ['batch', 'eval'] : ['eval', 'batch'];
    for (const way of order) {
      const r = way === 'eval' ? await evalSlice(part, slice) : await batchSlice(part, slice);
      totals[way].ms += r.ms;
      if (way === 'eval') totals.eval.solved += r.solved;
      else totals.batch.passed += r.passed;
    }
  }
  const ratio = totals.eval.ms / totals.batch.ms;
  const summary = { tasks: problems.length, cores: cpus().length, node: process.version, concurrency: opts.concurrency, ...totals, ratio, target: { ratio: 1.5, met: ratio <= 1.5 } };
  if (opts.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`HumanEval, ${problems.length} tasks, ${cpus().length} cores, node ${process.version}, --concurrency ${opts.concurrency}`);
    console.log(`ptc batch  ${String(totals.batch.passed).padStart(4)}/${problems.length} passed  ${(totals.batch.ms / 1000).toFixed(1).padStart(7)} s`);
    console.log(`ptc eval   ${String(totals.eval.solved).padStart(4)}/${problems.length} solved  ${(totals.eval.ms / 1000).toFixed(1).padStart(7)} s`);
    console.log(`eval / batch = ${ratio.toFixed(2)}x (target <= 1.5x): ${ratio <= 1.5 ? 'met' : 'NOT met'}`);
  }
} finally {
  await fake.close();
  await rm(work, { recursive: true, force: true });
}
