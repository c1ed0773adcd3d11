// Whole-process time and peak memory of `ptc generate --dry-run --json` against a loopback OpenAI-compatible
// server that answers at once, compared with a minimal script making the same call with the bare `openai` SDK
// (bench/provider-bare-sdk.mjs). Targets: at most 1.5x the bare script, peak RSS under 150 MB.
// Run after `npm run build`:  node bench/provider-overhead.mjs [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 11);
const bin = join(root, 'bin/ptc.js');
const bare = join(root, 'bench/provider-bare-sdk.mjs');
const probe = pathToFileURL(join(root, 'bench/provider-rss-probe.mjs')).href;
const MODEL = 'bench-model';
const PROMPT = 'write a function add(a, b) that returns the sum, with pytest tests';

// A reply the parser turns into one code file and one test file.
const REPLY = [
  'Here is the code.',
  '',
  '```python',
  '# add.py',
  'def add(a, b):',
  '    return a + b',
  '```',
  '',
  '```python',
  '# test_add.py',
  'from add import add',
  '',
  'def test_add():',
  '    assert add(2, 3) == 5',
  '```',
  '',
].join('\n');

/** A tiny OpenAI-compatible server: JSON or SSE chat completions, answered at once. */
function startFake() {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'not found', type: 'not_found' } }));
        return;
      }
      const body = JSON.parse(raw || '{}');
      const usage = { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, prompt_tokens_details: { cached_tokens: 0 } };
      const base = { id: 'chatcmpl-bench', created: 0, model: body.model ?? MODEL };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' }], usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (d) => res.write(`data: ${JSON.stringify(d)}\n\n`);
      const chunk = (delta, finish_reason) => send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }] });
      chunk({ role: 'assistant', content: '' }, null);
      for (const line of REPLY.split(/(?<=\n)/)) chunk({ content: line }, null);
      chunk({}, 'stop');
      send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Runs a child to completion without blocking this process (the fake server lives here). */
function run(args, opts) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A clean environment: no keys, no rc files, no provider variables from the caller's shell. */
function cleanEnv(home, extra = {}) {
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), NO_COLOR: '1', ...extra };
  return env;
}

/** One warm-up run whose output is checked, so a broken command fails loudly instead of being timed. */
async function warmUpAndCheck(job) {
  const r = await run(job.args, job);
  if (r.code !== 0) {
    const why = (r.stdout.trim() || r.stderr.trim()).split('\n').slice(0, 8).join('\n');
    throw new Error(`${job.name} exited ${r.code}:\n${why}`);
  }
  job.check(r);
  job.times = [];
}

/** Peak RSS of one more run with the probe preloaded (kept out of the timings). */
async function peakRss(job) {
  const rssFile = join(work, `rss-${job.name.replace(/\W+/g, '-')}.txt`);
  writeFileSync(rssFile, '');
  const env = { ...job.env, NODE_OPTIONS: `--import=${probe}`, PTC_BENCH_RSS_FILE: rssFile };
  const r = await run(job.args, { ...job, env });
  if (r.code !== 0) throw new Error(`${job.name} exited ${r.code} under the memory probe: ${r.stderr.trim()}`);
  return Math.max(...readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map(Number)) / 1024 / 1024;
}

const server = await startFake();
const baseURL = `http://127.0.0.1:${server.address().port}/v1`;
const work = mkdtempSync(join(tmpdir(), 'ptc-bench-provider-'));
try {
  const ptc = {
    name: 'ptc generate --dry-run --json',
    args: [bin, 'generate', PROMPT, '--provider', 'openai-compatible', '--base-url', baseURL, '--model', MODEL, '--dry-run', '--json'],
    cwd: work,
    env: cleanEnv(work),
    check: (r) => {
      let doc;
      try {
        doc = JSON.parse(r.stdout);
      } catch {
        throw new Error(`ptc generate did not print one JSON document on stdout:\n${r.stdout.slice(0, 400)}`);
      }
      if (!doc.ok) throw new Error(`ptc generate reported failure: ${JSON.stringify(doc.error)}`);
      if (!doc.files?.length) throw new Error('ptc generate --dry-run listed no files');
    },
  };
  const sdk = {
    name: 'bare openai SDK',
    args: [bare, baseURL, MODEL, PROMPT],
    cwd: root, // resolves `openai` from the package's node_modules
    env: cleanEnv(work),
    check: (r) => {
      if (!JSON.parse(r.stdout).text.includes('def add')) throw new Error('bare SDK script got no reply text');
    },
  };
  await warmUpAndCheck(sdk);
  await warmUpAndCheck(ptc);
  // Interleaved, so drift in machine load falls on both alike.
  for (let i = 0; i < runs; i++) {
    for (const job of [sdk, ptc]) {
      const r = await run(job.args, job);
      if (r.code !== 0) throw new Error(`${job.name} exited ${r.code} on run ${i + 1}: ${r.stderr.trim()}`);
      job.times.push(r.ms);
    }
  }
  for (const job of [sdk, ptc]) {
    job.ms = median(job.times);
    job.min = Math.min(...job.times);
    job.rssMB = await peakRss(job);
  }
  const ratio = ptc.ms / sdk.ms;
  console.log(`provider overhead, median of ${runs} runs (node ${process.version}), loopback server answering at once`);
  for (const r of [sdk, ptc]) {
    console.log(`${r.name.padEnd(30)} ${r.ms.toFixed(1).padStart(7)} ms (min ${r.min.toFixed(1)})  peak RSS ${r.rssMB.toFixed(1)} MB`);
  }
  const timeOk = ratio <= 1.5;
  const memOk = ptc.rssMB < 150;
  console.log(`ptc / bare SDK = ${ratio.toFixed(2)}x (target <= 1.5x): ${timeOk ? 'met' : 'NOT met'}`);
  console.log(`ptc peak RSS ${ptc.rssMB.toFixed(1)} MB (target < 150 MB): ${memOk ? 'met' : 'NOT met'}`);
  process.exitCode = timeOk && memOk ? 0 : 1;
} catch (err) {
  console.error(`bench failed: ${err.message}`);
  console.error('(build first with `npm run build`; this bench runs bin/ptc.js, which loads dist/)');
  process.exitCode = 2;
} finally {
  server.close();
  rmSync(work, { recursive: true, force: true });
}
