#!/usr/bin/env node
// The 164 HumanEval problems as one `ptc batch` against an instantly answering fake provider (an inline
// loopback server that answers each task's prompt with that problem's canonical solution and a pytest file
// calling `check`), local sandboxes, at --concurrency 1 and 2; against bare `python -m pytest` over the same
// files one at a time. Prints tasks/minute for each and the ratio.
// Target: at concurrency 2 on 2 cores, at least 1.5x the bare pytest throughput. Also timed: bare pytest with
// PYTEST_DISABLE_PLUGIN_AUTOLOAD=1, the plugin set the sandbox uses for these tests.
// The problems are cut into --slices parts and each part runs every way in a rotating order, so a machine
// that gets busier or quieter during the bench affects all the ways alike.
//
// usage: node bench/batch-humaneval.mjs [--data <HumanEval.jsonl.gz>] [--limit N] [--concurrency 1,2] [--slices 4] [--json]
// Build first: npm run build
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeChat } from './lib/fake-chat.mjs';
import { alternateSlices, HUMANEVAL, loadProblems, ptcEnv, requireBuild, runChild, runPtcJson } from './lib/ptc-runs.mjs';

function parseArgs(argv) {
  const opts = { data: null, limit: Infinity, concurrency: [1, 2], slices: 4, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') opts.data = argv[++i];
    else if (a === '--limit') opts.limit = Number(argv[++i]);
    else if (a === '--concurrency') opts.concurrency = argv[++i].split(',').map(Number);
    else if (a === '--slices') opts.slices = Math.max(1, Number(argv[++i]));
    else if (a === '--json') opts.json = true;
    else {
      console.error(`usage: node bench/batch-humaneval.mjs [--data <path>] [--limit N] [--concurrency 1,2] [--json]`);
      process.exit(a === '-h' || a === '--help' ? 0 : 2);
    }
  }
  return opts;
}

function findData(explicit) {
  const candidates = explicit ? [resolve(explicit)] : [HUMANEVAL];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    console.error(`HumanEval data not found (tried ${candidates.join(', ')}); pass --data <path>`);
    process.exit(2);
  }
  return found;
}

/** The files a model would write for one problem. */
function problemFiles(p) {
  const solution = `${p.prompt}${p.canonical_solution}`;
  const test =
    'from solution import *  # noqa: F401,F403  (check may use helpers defined beside the solution)\n' +
    `from solution import ${p.entry_point}\n\n${p.test}\n\n` +
    `def test_check():\n    check(${p.entry_point})\n`;
  const reply =
    `Here is \`${p.entry_point}\` with a pytest test.\n\n` +
    '```python path=solution.py\n' + solution + '```\n\n' +
    '```python path=test_solution.py\n' + test + '```\n';
  return { solution, test, reply };
}

const taskId = (p) => p.task_id.replace('/', '_');

/** `noPlugins`: with PYTEST_DISABLE_PLUGIN_AUTOLOAD=1, the plugin set ptc's sandbox uses for these tests. */
async function bare(problems, work, noPlugins = false) {
  const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  let passed = 0;
  const started = performance.now();
  for (const p of problems) {
    const dir = join(work, 'bare', taskId(p));
    await mkdir(dir, { recursive: true });
    const f = problemFiles(p);
    await writeFile(join(dir, 'solution.py'), f.solution);
    await writeFile(join(dir, 'test_solution.py'), f.test);
    const env = noPlugins ? { ...process.env, PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' } : process.env;
    const r = await runChild(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test_solution.py'], { cwd: dir, env });
    if (r.code === 0) passed++;
  }
  return { passed, ms: performance.now() - started };
}

async function batch(problems, work, url, concurrency, slice) {
  const dir = join(work, `batch-c${concurrency}-s${slice}`);
  await mkdir(dir, { recursive: true });
  const tasks = problems.map((p) => JSON.stringify({ id: taskId(p), prompt: `${taskId(p)}: implement ${p.entry_point} with pytest tests` })).join('\n');
  await writeFile(join(dir, 'tasks.jsonl'), tasks + '\n');
  const args = ['batch', 'tasks.jsonl', '--provider', 'openai', '--model', 'fake-model', '--base-url', url,
    '--run', '--sandbox', 'local', '--concurrency', String(concurrency), '--out', 'out', '--no-history', '--json'];
  const { ms, doc } = await runPtcJson(args, { cwd: dir, env: ptcEnv(work) });
  const failures = doc.tasks.filter((t) => t.status !== 'passed').map((t) => `${t.id}: ${t.error?.message ?? t.status}`);
  return {
    passed: doc.totals.passed,
    ms,
    exitCode: doc.exitCode,
    failures,
    // Where a task's time goes: the whole task, and the test run inside the sandbox.
    taskMs: doc.tasks.map((t) => t.durationMs),
    testsMs: doc.tasks.map((t) => t.tests?.durationMs ?? 0),
  };
}

const opts = parseArgs(process.argv.slice(2));
requireBuild();
const problems = await loadProblems(findData(opts.data), opts.limit);
const work = await mkdtemp(join(tmpdir(), 'ptc-bench-batch-'));
// Answered by the task id in the prompt.
const replies = new Map(problems.map((p) => [taskId(p), problemFiles(p).reply]));
const fake = await startFakeChat((_body, user) => replies.get(/\b(HumanEval_\d+)\b/.exec(user)?.[1]) ?? 'no such task');
const perMinute = (n, ms) => (n * 60_000) / ms;
try {
  // Bare pytest autoloads the python's installed plugins; ptc's sandbox loads only those the code uses. The second
  // row is bare pytest with the sandbox's plugin set, so the ratio against it is ptc's own throughput cost.
  const ways = [
    { name: 'bare pytest, one at a time', run: (ps) => bare(ps, work) },
    { name: 'bare pytest, no plugins', run: (ps) => bare(ps, work, true) },
  ];
  for (const c of opts.concurrency) ways.push({ name: `ptc batch --concurrency ${c}`, run: (ps, slice) => batch(ps, work, fake.url, c, slice) });
  const runs = await alternateSlices(problems, opts.slices, ways.map((w) => w.run));
  const totals = ways.map((w, i) => ({
    name: w.name,
    passed: runs[i].reduce((n, r) => n + r.passed, 0),
    ms: runs[i].reduce((n, r) => n + r.ms, 0),
    failures: runs[i].flatMap((r) => r.failures ?? []),
    taskMs: runs[i].flatMap((r) => r.taskMs ?? []),
    testsMs: runs[i].flatMap((r) => r.testsMs ?? []),
  }));
  const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : undefined);
  const rows = totals.map(({ taskMs, testsMs, ...t }) => ({
    ...t,
    perMinute: perMinute(problems.length, t.ms),
    ...(taskMs.length ? { medianTaskMs: median(taskMs), medianTestsMs: median(testsMs) } : {}),
  }));
  const base = rows[0].perMinute;
  const c2 = rows.find((r) => r.name.endsWith('--concurrency 2'));
  const summary = { tasks: problems.length, cores: cpus().length, node: process.version, rows, target: c2 ? { ratio: c2.perMinute / base, met: c2.perMinute / base >= 1.5 } : null };
  if (opts.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`HumanEval as one batch: ${problems.length} tasks, ${cpus().length} cores, node ${process.version}`);
    for (const r of rows) {
      console.log(`${r.name.padEnd(28)} ${String(r.passed).padStart(4)}/${problems.length} passed  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.perMinute.toFixed(1).padStart(7)} tasks/min  ${(r.perMinute / base).toFixed(2)}x`);
      if (r.medianTaskMs !== undefined) console.log(`    median task ${r.medianTaskMs} ms, of which the test run ${r.medianTestsMs} ms`);
      for (const f of (r.failures ?? []).slice(0, 5)) console.log(`    ${f}`);
    }
    if (c2) console.log(`concurrency 2 / bare pytest = ${summary.target.ratio.toFixed(2)}x (target >= 1.5x): ${summary.target.met ? 'met' : 'NOT met'}`);
    if (c2) console.log(`concurrency 2 / bare pytest with the same plugins = ${(c2.perMinute / rows[1].perMinute).toFixed(2)}x`);
  }
} finally {
  await fake.close();
  await rm(work, { recursive: true, force: true });
}
