#!/usr/bin/env node
// HumanEval through ptc's local sandbox versus bare pytest on the same files.
//
// Each of the 164 problems becomes the kind of reply an LLM gives: `solution.py` (prompt + canonical solution)
// and `test_solution.py` (the problem's `check` plus a pytest test calling it). Per problem the bench runs
//   (a) bare `python -m pytest` on the files, and
//   (b) `node bin/ptc.js apply <reply.md> --run --sandbox local --json --out <dir>`   (--mode cli, default)
//       or the sandbox + runner straight from dist/ in this process                (--mode lib)
// alternating which goes first, so drift on a busy machine hits both sides alike. It prints the pass counts
// (164/164 expected for the canonical solutions), and the time ratio ptc / bare (target <= 1.3x).
// `--broken` makes every solution return None: most problems must then fail on both sides.
//
// Bare pytest autoloads every plugin installed for the python (hypothesis, pytest-benchmark, ...); ptc's sandbox
// loads only the plugins the code uses. So the bench also times bare pytest with PYTEST_DISABLE_PLUGIN_AUTOLOAD=1,
// the same plugin set as ptc, and prints both ratios: the first is the target's, the second is ptc's own cost.
//
// `--breakdown` (cli mode) also times `ptc apply` without --run on each problem, to split ptc's overhead into
// the CLI's own cost (start-up, config, parse, write) and the sandbox's (bwrap, copy, runner, JUnit).
//
// usage: node bench/humaneval-local.mjs [--data <HumanEval.jsonl.gz>] [--broken] [--limit N]
//                                        [--mode cli|lib] [--breakdown] [--json]
// Build first: npx tsc -p tsconfig.build.json
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { data: null, broken: false, limit: Infinity, mode: 'cli', json: false, breakdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') opts.data = argv[++i];
    else if (a === '--broken') opts.broken = true;
    else if (a === '--limit') opts.limit = Number(argv[++i]);
    else if (a === '--mode') opts.mode = argv[++i];
    else if (a === '--json') opts.json = true;
    else if (a === '--breakdown') opts.breakdown = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/humaneval-local.mjs [--data <path>] [--broken] [--limit N] [--mode cli|lib] [--breakdown] [--json]');
      process.exit(0);
    } else {
      console.error(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  if (!['cli', 'lib'].includes(opts.mode)) {
    console.error('--mode must be cli or lib');
    process.exit(2);
  }
  return opts;
}

function findData(explicit) {
  const candidates = explicit
    ? [resolve(explicit)]
    : [resolve(repo, '../shared/data/HumanEval.jsonl.gz'), '/work/shared/data/HumanEval.jsonl.gz'];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    console.error(`HumanEval data not found (tried ${candidates.join(', ')}); pass --data <path>`);
    process.exit(2);
  }
  return found;
}

/** The reply an LLM would give for one problem, and the same files for the bare run. */
function problemFiles(problem, broken) {
  const body = broken ? '    return None\n' : problem.canonical_solution;
  const solution = `${problem.prompt}${body}`;
  const test =
    'from solution import *  # noqa: F401,F403  (the check may use helpers defined next to the solution)\n' +
    `from solution import ${problem.entry_point}\n` +
    `${problem.test}\n\n` +
    `def test_check():\n    check(${problem.entry_point})\n`;
  const reply =
    `Here is an implementation of \`${problem.entry_point}\` with a pytest test.\n\n` +
    '```python\n# solution.py\n' + solution + '```\n\n' +
    '```python\n# test_solution.py\n' + test + '```\n';
  return { solution, test, reply };
}

function run(file, args, cwd, env = undefined) {
  return new Promise((resolveRun) => {
    const started = performance.now();
    const child = spawn(file, args, { cwd, env: env ? { ...process.env, ...env } : process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolveRun({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** The interpreter ptc's sandbox uses; bare pytest gets the same one (not a slower pyenv shim). */
function realPython() {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

async function bareRun(python, dir, env = undefined) {
  const r = await run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test_solution.py'], dir, env);
  return { passed: r.code === 0, ms: r.ms, detail: r.code === 0 ? '' : lastLine(r.stdout) };
}

async function cliRun(dir) {
  const r = await run(
    process.execPath,
    [join(repo, 'bin/ptc.js'), 'apply', 'reply.md', '--run', '--sandbox', 'local', '--json', '--out', 'out'],
    dir,
  );
  let result;
  try {
    result = JSON.parse(r.stdout);
  } catch {
    return { passed: false, ms: r.ms, detail: `no JSON (exit ${r.code}): ${lastLine(r.stderr)}` };
  }
  const t = result.tests;
  const passed = result.exitCode === 0 && t?.ran && t.passed > 0 && t.failed + t.errors === 0;
  return { passed, ms: r.ms, detail: passed ? '' : result.error?.message ?? t?.problem ?? `exit ${result.exitCode}` };
}

/** The CLI without the sandbox: start-up, config, reply parsing and the safe write. */
async function cliNoRun(dir) {
  const r = await run(process.execPath, [join(repo, 'bin/ptc.js'), 'apply', 'reply.md', '--no-run', '--json', '--out', 'out-norun'], dir);
  return { ms: r.ms };
}

async function libRunner() {
  const localJs = join(repo, 'dist/sandbox/local.js');
  if (!existsSync(localJs)) {
    console.error('dist/ is missing: run `npx tsc -p tsconfig.build.json` first');
    process.exit(2);
  }
  const { createLocalSandbox } = await import(localJs);
  const { runTestsIn } = await import(join(repo, 'dist/sandbox/runner.js'));
  return async (files) => {
    const started = performance.now();
    const sandbox = await createLocalSandbox({ isolation: 'bwrap' });
    try {
      await sandbox.prepare([
        { path: 'solution.py', content: files.solution },
        { path: 'test_solution.py', content: files.test },
      ]);
      const report = await runTestsIn(sandbox, {
        lang: 'python',
        files: [
          { path: 'solution.py', kind: 'code' },
          { path: 'test_solution.py', kind: 'test' },
        ],
        dependencies: [],
        timeoutMs: 60_000,
        network: false,
      });
      const passed = report.passed > 0 && report.failed + report.errors === 0 && !report.problem;
      return { passed, ms: performance.now() - started, detail: passed ? '' : report.problem ?? report.cases.find((c) => c.message)?.message ?? '' };
    } finally {
      await sandbox.dispose();
    }
  };
}

/** The distributions with pytest plugins installed for the python, which bare pytest autoloads. */
function installedPlugins(python) {
  const script =
    'from importlib.metadata import entry_points\n' +
    'print(",".join(sorted({ep.dist.name for ep in entry_points(group="pytest11") if ep.dist})))';
  return execFileSync(python, ['-c', script], { encoding: 'utf8' }).trim().split(',').filter(Boolean);
}

function lastLine(text) {
  return text.trim().split('\n').pop() ?? '';
}

const opts = parseArgs(process.argv.slice(2));
if (opts.mode === 'cli' && !existsSync(join(repo, 'dist/cli/main.js'))) {
  console.error('dist/ is missing: run `npx tsc -p tsconfig.build.json` first');
  process.exit(2);
}
const dataPath = findData(opts.data);
const problems = gunzipSync(await readFile(dataPath))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l))
  .slice(0, opts.limit);
const python = realPython();
const lib = opts.mode === 'lib' ? await libRunner() : null;
const work = await mkdtemp(join(tmpdir(), 'ptc-humaneval-'));

const plugins = installedPlugins(python);
const totals = { bare: { passed: 0, ms: 0 }, bareNoPlugins: { ms: 0 }, ptc: { passed: 0, ms: 0 }, cliOnly: { ms: 0 } };
const disagreements = [];
try {
  for (const [i, problem] of problems.entries()) {
    const files = problemFiles(problem, opts.broken);
    const dir = join(work, String(i).padStart(3, '0'));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'solution.py'), files.solution);
    await writeFile(join(dir, 'test_solution.py'), files.test);
    await writeFile(join(dir, 'reply.md'), files.reply);
    const ptcSide = () => (lib ? lib(files) : cliRun(dir));
    const bareSide = () => bareRun(python, dir);
    let bare;
    let ptc;
    if (i % 2 === 0) {
      bare = await bareSide();
      ptc = await ptcSide();
    } else {
      ptc = await ptcSide();
      bare = await bareSide();
    }
    if (opts.breakdown && !lib) totals.cliOnly.ms += (await cliNoRun(dir)).ms;
    totals.bareNoPlugins.ms += (await bareRun(python, dir, { PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' })).ms;
    totals.bare.ms += bare.ms;
    totals.ptc.ms += ptc.ms;
    if (bare.passed) totals.bare.passed++;
    if (ptc.passed) totals.ptc.passed++;
    if (bare.passed !== ptc.passed) {
      disagreements.push({ task: problem.task_id, bare: bare.passed, ptc: ptc.passed, detail: ptc.detail || bare.detail });
    }
    if (!opts.json && process.stderr.isTTY) {
      process.stderr.write(`\r${i + 1}/${problems.length} bare ${totals.bare.passed} ptc ${totals.ptc.passed}`);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
if (!opts.json && process.stderr.isTTY) process.stderr.write('\n');

const n = problems.length;
const summary = {
  variant: opts.broken ? 'broken (every solution returns None)' : 'canonical',
  mode: opts.mode,
  problems: n,
  bare: { passed: totals.bare.passed, failed: n - totals.bare.passed, totalSeconds: round(totals.bare.ms / 1000), meanMs: round(totals.bare.ms / n) },
  ptc: { passed: totals.ptc.passed, failed: n - totals.ptc.passed, totalSeconds: round(totals.ptc.ms / 1000), meanMs: round(totals.ptc.ms / n) },
  ratio: round(totals.ptc.ms / totals.bare.ms),
  pytestPluginsInstalled: plugins,
  bareNoPluginsMeanMs: round(totals.bareNoPlugins.ms / n),
  // Against bare pytest loading the same plugins as ptc's sandbox (none, for these problems).
  ratioSamePlugins: round(totals.ptc.ms / totals.bareNoPlugins.ms),
  overheadMs: round((totals.ptc.ms - totals.bareNoPlugins.ms) / n),
  ...(opts.breakdown && !lib
    ? {
        cliWithoutRunMeanMs: round(totals.cliOnly.ms / n),
        // ptc minus its CLI-only cost, against bare pytest with the same plugins: what the sandbox and runner cost.
        sandboxRatio: round((totals.ptc.ms - totals.cliOnly.ms) / totals.bareNoPlugins.ms),
      }
    : {}),
  disagreements,
};

function round(x) {
  return Math.round(x * 100) / 100;
}

if (opts.json) {
  console.log(JSON.stringify(summary, null, 2));
} else {
  console.log(`HumanEval ${summary.variant}, ${n} problems, ptc via ${opts.mode === 'cli' ? '`ptc apply --run --sandbox local`' : 'dist/ sandbox + runner'}`);
  console.log(`  bare pytest : ${summary.bare.passed}/${n} passed  ${summary.bare.totalSeconds}s (${summary.bare.meanMs} ms/problem)`);
  console.log(`  ptc (bwrap) : ${summary.ptc.passed}/${n} passed  ${summary.ptc.totalSeconds}s (${summary.ptc.meanMs} ms/problem)`);
  console.log(`  time ratio ptc/bare: ${summary.ratio}x (target <= 1.3x)`);
  console.log(`  pytest plugins installed (bare pytest autoloads them): ${plugins.join(', ') || 'none'}`);
  console.log(`  bare pytest with the plugins ptc loads (PYTEST_DISABLE_PLUGIN_AUTOLOAD=1): ${summary.bareNoPluginsMeanMs} ms/problem`);
  console.log(`  time ratio ptc/bare with the same plugins: ${summary.ratioSamePlugins}x; ptc's own cost ${summary.overheadMs} ms/problem`);
  if (summary.cliWithoutRunMeanMs !== undefined) {
    console.log(`  ptc apply without --run: ${summary.cliWithoutRunMeanMs} ms/problem (the CLI's own cost)`);
    console.log(`  sandbox + runner only (ptc - CLI) / bare with the same plugins: ${summary.sandboxRatio}x`);
  }
  for (const d of disagreements.slice(0, 20)) console.log(`  disagree ${d.task}: bare=${d.bare} ptc=${d.ptc} ${d.detail}`);
}
const expectedOk = opts.broken ? totals.ptc.passed < n && disagreements.length === 0 : totals.ptc.passed === n;
process.exitCode = expectedOk ? 0 : 1;
