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
// --fix n (default 0) gives both runs repair rounds: a right first answer must still cost one test session.
//
// usage: node bench/eval-humaneval.mjs [--limit N] [--concurrency 2] [--slices 2] [--fix 0] [--json]
// Build first: npm run build
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFakeChat } from './lib/fake-chat.mjs';
import { alternateSlices, loadProblems, ptcEnv, repo, requireBuild, runPtcJson } from './lib/ptc-runs.mjs';

function parseArgs(argv) {
  const opts = { limit: Infinity, concurrency: 2, slices: 2, fix: 0, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--limit') opts.limit = Number(argv[++i]);
    else if (a === '--concurrency') opts.concurrency = Number(argv[++i]);
    else if (a === '--slices') opts.slices = Math.max(1, Number(argv[++i]));
    else if (a === '--fix') opts.fix = Number(argv[++i]);
    else if (a === '--json') opts.json = true;
    else {
      console.error('usage: node bench/eval-humaneval.mjs [--limit N] [--concurrency 2] [--slices 2] [--fix 0] [--json]');
      process.exit(a === '-h' || a === '--help' ? 0 : 2);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
requireBuild();
const { humanEvalTask } = await import(pathToFileURL(join(repo, 'dist/eval/humaneval.js')).href);
const problems = await loadProblems(undefined, opts.limit);

const replyFor = (p) =>
  `Here is \`${p.entry_point}\`.\n\n` +
  '```python path=solution.py\n' + p.prompt + p.canonical_solution + '```\n\n' +
  '```python path=test_solution.py\n' +
  `from solution import ${p.entry_point}\n\n\ndef test_${p.entry_point}_exists():\n    assert callable(${p.entry_point})\n` + '```\n';

// Answered by the problem whose prompt the request holds (the longest first: one prompt may begin another).
const byPrompt = problems.map((p) => [p.prompt.trim(), replyFor(p)]).sort((a, b) => b[0].length - a[0].length);
const fake = await startFakeChat((_body, user) => byPrompt.find(([prompt]) => user.includes(prompt))?.[1] ?? 'no such task');

const work = await mkdtemp(join(tmpdir(), 'ptc-bench-eval-'));
const env = ptcEnv(work);
const common = ['--base-url', fake.url, '--sandbox', 'local', '--concurrency', String(opts.concurrency), '--fix', String(opts.fix), '--no-history', '--json'];

async function evalSlice(part, slice) {
  const cwd = join(work, `eval-${slice}`);
  await mkdir(cwd, { recursive: true });
  const ids = part.map((p) => p.task_id.replace('/', '_')).join(',');
  const r = await runPtcJson(['eval', 'humaneval', '-m', 'openai:gpt-4.1', '--tasks', ids, '--out', 'out', ...common], { cwd, env });
  return { ms: r.ms, count: r.doc.targets[0].solved };
}

async function batchSlice(part, slice) {
  const cwd = join(work, `batch-${slice}`);
  await mkdir(cwd, { recursive: true });
  const lines = part.map((p) => JSON.stringify({ id: p.task_id.replace('/', '_'), prompt: humanEvalTask(p).prompt, provider: 'openai', model: 'gpt-4.1' }));
  await writeFile(join(cwd, 'tasks.jsonl'), lines.join('\n') + '\n');
  const r = await runPtcJson(['batch', 'tasks.jsonl', '--run', '--out', 'out', ...common], { cwd, env });
  return { ms: r.ms, count: r.doc.totals.passed };
}

try {
  const [batchRuns, evalRuns] = await alternateSlices(problems, opts.slices, [batchSlice, evalSlice]);
  const sum = (runs) => ({ ms: runs.reduce((n, r) => n + r.ms, 0), count: runs.reduce((n, r) => n + r.count, 0) });
  const b = sum(batchRuns);
  const e = sum(evalRuns);
  const totals = { eval: { ms: e.ms, solved: e.count }, batch: { ms: b.ms, passed: b.count } };
  const ratio = totals.eval.ms / totals.batch.ms;
  const summary = { tasks: problems.length, cores: cpus().length, node: process.version, concurrency: opts.concurrency, fix: opts.fix, ...totals, ratio, target: { ratio: 1.5, met: ratio <= 1.5 } };
  if (opts.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`HumanEval, ${problems.length} tasks, ${cpus().length} cores, node ${process.version}, --concurrency ${opts.concurrency}, --fix ${opts.fix}`);
    console.log(`ptc batch  ${String(totals.batch.passed).padStart(4)}/${problems.length} passed  ${(totals.batch.ms / 1000).toFixed(1).padStart(7)} s`);
    console.log(`ptc eval   ${String(totals.eval.solved).padStart(4)}/${problems.length} solved  ${(totals.eval.ms / 1000).toFixed(1).padStart(7)} s`);
    console.log(`eval / batch = ${ratio.toFixed(2)}x (target <= 1.5x): ${ratio <= 1.5 ? 'met' : 'NOT met'}`);
  }
} finally {
  await fake.close();
  await rm(work, { recursive: true, force: true });
}
