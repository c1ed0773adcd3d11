/**
 * Runs the generated tests in any Sandbox (local or Daytona) and turns what the runner reports into a
 * TestReport. Sandbox-agnostic: it only uses prepare/exec/readFile. Each case's status comes from ptc's own
 * reporter, streamed while the tests run (result-reporters.ts) and checked against the runner's exit status
 * (result-stream.ts); the JUnit XML the runner also writes only lends its failure messages and must agree.
 * The runner's text output is kept (bounded) for people and repair prompts, never parsed for results.
 */
import { randomBytes } from 'node:crypto';
import { PtcError, SandboxError } from '../errors.js';
import type {
  ExecResult,
  FileKind,
  InstallReport,
  Lang,
  Logger,
  PytestPluginPolicy,
  Sandbox,
  TestCase,
  TestReport,
} from '../types.js';
import { silentLogger } from '../types.js';
import { detectJsDeps, npmName } from '../languages/node/deps.js';
import { detectPythonDeps, normalizePackageName, pythonModuleForPackage, requirementName } from '../languages/python/deps.js';
import { withPytestPlugins } from '../languages/python/pytest-plugins.js';
import { prepareTypeScript, TS_SOURCE } from '../languages/typescript/transpile.js';
import type { SourceFile } from '../languages/types.js';
import { nodeReporterUrl, PYTEST_BOOTSTRAP, RESULTS_KEY_PATH } from './result-reporters.js';
import { parseResultStream, splitFramedOutput, untrustedReason, type ResultStream, type StreamCase } from './result-stream.js';
import { shellQuote as shq } from './shell-quote.js';

export { rewriteTsImports } from '../languages/typescript/transpile.js';

export interface RunTestsInput {
  lang: Lang;
  /** The project's files with their contents: the runner reads sources from here, never back from the sandbox. */
  files: { path: string; kind: FileKind; content: string }[];
  /** Packages the reply declared (a requirements list); empty → detected from the imports. */
  dependencies: string[];
  /** For the whole run: install and tests. */
  timeoutMs: number;
  signal?: AbortSignal;
  logger?: Logger;
  onPhase?: (phase: 'installing' | 'running') => void;
  /** Whether the sandbox can reach package registries (false for the local sandbox). */
  network: boolean;
  /**
   * Which installed pytest plugins load: `used` (default) only those of the packages the code declares, imports
   * or uses through a fixture or marker; `all` every plugin installed, as a bare `pytest` would.
   */
  pytestPlugins?: PytestPluginPolicy;
}

/** Scratch space inside the sandbox for reports and installed packages. */
const PTC_DIR = '.ptc';
const PY_JUNIT = `${PTC_DIR}/junit.xml`;
const PY_SITE = `${PTC_DIR}/site`;
const OUTPUT_TAIL_BYTES = 8 * 1024;

/**
 * fast-xml-parser takes 0.1 s or more to load: importing it lazily keeps it off every command that runs no tests,
 * and starting the import as a run begins hides it behind the test runner's own start-up.
 */
let junitModule: Promise<typeof import('./junit.js')> | null = null;
function loadJUnit(): Promise<typeof import('./junit.js')> {
  junitModule ??= import('./junit.js');
  return junitModule;
}

const JS_SOURCE = /\.(c|m)?(j|t)s$/;

export async function runTestsIn(sandbox: Sandbox, input: RunTestsInput): Promise<TestReport> {
  const started = performance.now();
  const deadline = started + input.timeoutMs;
  const logger = input.logger ?? silentLogger;
  const python = input.lang === 'python';
  const ctx: RunCtx = { sandbox, input, deadline, logger };
  void loadJUnit().catch(() => undefined); // warm up while the tests run; awaited where the XML is read

  const testFiles = input.files
    .filter((f) => f.kind === 'test' && (python ? f.path.endsWith('.py') : JS_SOURCE.test(f.path)))
    .filter((f) => !f.path.endsWith('.d.ts'))
    .map((f) => f.path);
  const base = emptyReport(sandbox, python ? 'pytest' : 'node --test');
  if (testFiles.length === 0) {
    const pattern = python ? 'test_*.py' : '*.test.js / *.test.ts';
    // ran: true — the sandbox worked; the generated tests are what is missing (a test failure, not exit 4).
    return { ...base, ran: true, problem: `no tests were collected: there is no test file (${pattern}) to run` };
  }

  const sources = sourcesOf(input.files, python);
  let runPaths = new Map(testFiles.map((p) => [p, p]));
  let depSources = sources;
  let nodeFlags: string[] = [];
  if (!python && sources.some((s) => TS_SOURCE.test(s.path))) {
    const ts = await prepareTypeScript(ctx.sandbox, ctx.logger, sources, testFiles);
    runPaths = ts.runPaths;
    depSources = ts.jsSources;
    nodeFlags = ts.nodeFlags;
  }

  const deps = python
    ? withPytestPlugins(await detectPythonDeps(depSources, input.dependencies), depSources)
    : detectJsDeps(depSources, input.dependencies);
  const setup = deps.length > 0 ? await installDeps(ctx, deps) : { install: null, missing: [], env: {} };

  input.onPhase?.('running');
  const run = python
    ? await runPytest(ctx, testFiles, setup.env, deps)
    : await runNodeTests(ctx, testFiles, runPaths, nodeFlags, setup.env);

  const report = buildReport(base, run, python);
  if (run.untrusted) report.untrusted = true;
  report.install = setup.install;
  report.durationMs = Math.round(performance.now() - started);
  if (setup.missing.length > 0) {
    const note = missingNote(setup.missing, input.network);
    const allPassed = report.failed + report.errors === 0 && !report.problem;
    // An unused or optional import must not fail a run whose tests all pass; otherwise it is the likely cause.
    if (allPassed) logger.warn(note);
    else report.problem = report.problem ? `${note}; ${report.problem}` : note;
  }
  return report;
}

interface RunCtx {
  sandbox: Sandbox;
  input: RunTestsInput;
  deadline: number;
  logger: Logger;
}

interface RunOutcome {
  cases: TestCase[];
  /** Set when the run cannot be trusted as it is (no report, zero tests, timeout). */
  problem: string | null;
  output: string;
  /** `problem` says why the results cannot be believed (test_results_untrusted). */
  untrusted?: boolean;
}

function remainingMs(ctx: RunCtx): number {
  return Math.max(1, Math.round(ctx.deadline - performance.now()));
}

function emptyReport(sandbox: Sandbox, runner: string): TestReport {
  return {
    ran: false,
    sandbox: sandbox.kind,
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    durationMs: 0,
    cases: [],
    runner,
    install: null,
    output: '',
    problem: null,
  };
}

function buildReport(base: TestReport, run: RunOutcome, python: boolean): TestReport {
  const count = (s: TestCase['status']) => run.cases.filter((c) => c.status === s).length;
  let problem = run.problem;
  if (!problem && run.cases.length === 0) {
    problem = python
      ? 'no tests were collected: pytest found no test functions (names must start with `test`)'
      : 'no tests were collected: the test files register no tests (`test(...)` from node:test)';
  }
  return {
    ...base,
    ran: true,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    skipped: count('skipped'),
    cases: run.cases,
    output: run.output,
    problem,
  };
}

/** The sources dependency detection reads, as the caller holds them. */
function sourcesOf(files: RunTestsInput['files'], python: boolean): SourceFile[] {
  return files
    .filter((f) => f.kind !== 'other' && (python ? f.path.endsWith('.py') : JS_SOURCE.test(f.path)))
    .map((f) => ({ path: f.path, content: f.content }));
}

// ---------- dependencies ----------

interface DepSetup {
  install: InstallReport | null;
  /** Packages the code needs that the sandbox does not have. */
  missing: string[];
  /** Environment for the test run (PYTHONPATH to installed packages). */
  env: Record<string, string>;
}

const PY_MISSING_CHECK = `
import sys, json, importlib.metadata as md, importlib.util as iu
missing = []
for pkg, mod in json.loads(sys.argv[1]):
    ok = False
    try:
        md.distribution(pkg); ok = True
    except Exception:
        pass
    if not ok:
        try:
            ok = iu.find_spec(mod) is not None
        except Exception:
            ok = False
    if not ok:
        missing.append(pkg)
print(json.dumps(missing))
`;

const JS_MISSING_CHECK = `
const fs = require('fs'), path = require('path');
const missing = JSON.parse(process.argv[1]).filter((name) => {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules', name, 'package.json'))) return false;
    if (path.dirname(dir) === dir) return true;
  }
});
console.log(JSON.stringify(missing));
`;

async function installDeps(ctx: RunCtx, deps: string[]): Promise<DepSetup> {
  const python = ctx.input.lang === 'python';
  ctx.input.onPhase?.('installing');
  // What the sandbox already has (the host python's site-packages in the local sandbox) needs no install.
  const check = python
    ? `python3 -c ${shq(PY_MISSING_CHECK)} ${shq(JSON.stringify(deps.map((d) => [requirementName(d), pythonModuleForPackage(d)])))}`
    : `node -e ${shq(JS_MISSING_CHECK)} ${shq(JSON.stringify(deps.map(npmName)))}`;
  const checked = await exec(ctx, check, 'check which packages are already installed');
  let missingNames: string[];
  try {
    missingNames = JSON.parse(checked.stdout.trim().split('\n').pop() ?? '[]') as string[];
  } catch {
    missingNames = deps.map((d) => (python ? requirementName(d) : npmName(d)));
  }
  const missing = deps.filter((d) => missingNames.includes(python ? requirementName(d) : npmName(d)));
  if (missing.length === 0) return { install: { packages: deps, ok: true, output: null }, missing: [], env: {} };
  if (!ctx.input.network) return { install: { packages: deps, ok: false, output: null }, missing, env: {} };

  const cmd = python
    ? `python3 -m pip install --quiet --no-input --disable-pip-version-check --target ${PY_SITE} ${missing.map(shq).join(' ')}`
    : `npm install --no-save --no-audit --no-fund --no-package-lock --loglevel=error ${missing.map(shq).join(' ')}`;
  const res = await exec(ctx, cmd, 'install the dependencies');
  const env: Record<string, string> = python ? { PYTHONPATH: PY_SITE } : {};
  if (res.exitCode === 0) return { install: { packages: deps, ok: true, output: null }, missing: [], env };
  const output = tail(`${res.stdout}\n${res.stderr}`.trim(), 2000);
  if (res.timedOut) {
    throw new SandboxError(`installing ${missing.join(', ')} did not finish in time`, {
      code: 'sandbox_install_timeout',
      hint: 'raise --timeout, or declare fewer dependencies',
      retryable: true,
    });
  }
  // A package that does not exist is the reply's mistake (the tests report it); anything else is the sandbox's.
  if (!/No matching distribution found|Could not find a version|E404|404 Not Found|is not in this registry/i.test(output)) {
    throw new SandboxError(`could not install ${missing.join(', ')}: ${lastLine(output)}`, {
      code: 'sandbox_install_failed',
      hint: 'check the sandbox can reach the package registry, then retry',
      retryable: true,
    });
  }
  return { install: { packages: deps, ok: false, output }, missing, env };
}

function missingNote(missing: string[], network: boolean): string {
  const names = missing.join(', ');
  return network
    ? `could not install ${names}: no such package`
    : `missing package${missing.length > 1 ? 's' : ''} ${names}: the local sandbox has no network to install ` +
        'them; run with --sandbox daytona, or install them for the python/node ptc uses';
}

// ---------- python ----------

/**
 * The pytest command: ptc's bootstrap (result-reporters.ts) runs pytest with its results plugin. By default only
 * the plugins of the code's own packages load: a plugin that merely happens to be installed for the host's python
 * (pytest-randomly reordering tests, pytest-django refusing to run outside a Django project, hypothesis' and
 * pytest-benchmark's start-up) would change the result or its cost, and the same tests must behave alike in the
 * local sandbox and in a fresh Daytona one.
 */
function pytestCommand(testFiles: string[], deps: string[], plugins: PytestPluginPolicy): { cmd: string; env: Record<string, string> } {
  // xunit1 puts file and line on every case; -p no:cacheprovider keeps pytest from writing .pytest_cache.
  const args =
    `-q -p no:cacheprovider --rootdir=. --junitxml=${PY_JUNIT} -o junit_family=xunit1 ` +
    testFiles.map(argPath).join(' ');
  const all = plugins === 'all';
  const dists = all ? null : [...new Set(deps.map((d) => normalizePackageName(requirementName(d))))];
  const cmd = `rm -f ${PY_JUNIT}; exec python3 -c ${shq(PYTEST_BOOTSTRAP)} ${shq(JSON.stringify(dists))} ${args}`;
  return { cmd, env: all ? {} : { PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' } };
}

async function runPytest(
  ctx: RunCtx,
  testFiles: string[],
  baseEnv: Record<string, string>,
  deps: string[],
): Promise<RunOutcome> {
  const plugins = ctx.input.pytestPlugins ?? 'used';
  const pytest = pytestCommand(testFiles, deps, plugins);
  const cmd = pytest.cmd;
  let env = { ...baseEnv, ...pytest.env };
  let key = await newResultsKey(ctx);
  let res = await exec(ctx, cmd, 'run pytest', env, true);
  if (!res.timedOut && isMissingPytest(res)) {
    // A fresh Daytona image may lack pytest: with network, install it next to the other packages and retry.
    if (!ctx.input.network) throw runnerMissing('pytest', res);
    ctx.input.onPhase?.('installing');
    const pip = await exec(ctx, `python3 -m pip install --quiet --no-input --target ${PY_SITE} pytest`, 'install pytest');
    if (pip.exitCode !== 0) throw runnerMissing('pytest', pip);
    ctx.input.onPhase?.('running');
    env = { ...env, PYTHONPATH: PY_SITE };
    key = await newResultsKey(ctx);
    res = await exec(ctx, cmd, 'run pytest', env, true);
  }
  if (res.exitCode === 127) throw runnerMissing('python3', res);
  const { stream, runnerOutput } = readResults(res, key);
  const output = tail(runnerOutput, OUTPUT_TAIL_BYTES);
  if (res.timedOut) return { cases: [], problem: timeoutProblem(ctx), output };
  const junit = await readJUnit(ctx, PY_JUNIT, { flavor: 'pytest' });
  const cases = stream.cases.map((c) => withJUnitDetail(toPytestCase(c), junit));
  const distrust = untrustedReason(stream, { runner: 'pytest', exitCode: res.exitCode, junit: junitStatuses(junit) });
  if (distrust) return { cases, problem: untrustedProblem(distrust), untrusted: true, output };
  let problem: string | null = null;
  if (res.exitCode === 5 || cases.length === 0) {
    problem =
      res.exitCode === 5 || stream.ended
        ? 'no tests were collected: pytest found no test functions (names must start with `test`)'
        : noReportProblem('pytest', res, output);
  } else if (res.exitCode !== 0 && res.exitCode !== 1 && res.exitCode !== 2 && !cases.some(isBad)) {
    problem = `pytest exited with code ${res.exitCode} although no test failed:\n${lastLines(output, 10)}`;
  }
  if (plugins === 'used' && (problem || cases.some(isBad))) {
    const note = missingPluginNote(output, cases);
    if (note && cases.length === 0 && !stream.ended) problem += `\n${note}`;
    else if (note) ctx.logger.warn(note);
  }
  return { cases, problem, output };
}

/** What pytest says when a test or a config counts on a plugin that was not loaded. */
const MISSING_PLUGIN_SIGNS = /unrecognized arguments: [^\n]*|fixture '\w+' not found|Unknown config option: \w+/;

/** With only the code's own plugins loaded, a failure that looks like a missing plugin says how to load it. */
function missingPluginNote(output: string, cases: TestCase[]): string | null {
  const sign = MISSING_PLUGIN_SIGNS.exec([output, ...cases.map((c) => c.message ?? '')].join('\n'));
  if (!sign) return null;
  return (
    `pytest loaded only the plugins of the packages the code declares or uses (${sign[0].trim()}): if the tests ` +
    'need another plugin, list its package in requirements.txt, or set local.pytestPlugins: all to load every ' +
    'plugin installed for the local python'
  );
}

function isMissingPytest(res: ExecResult): boolean {
  // `python3 -m pytest` says `No module named pytest`; the plugin-selecting bootstrap `No module named 'pytest'`.
  return res.exitCode !== 0 && /No module named '?pytest\b/.test(res.stderr + res.stdout);
}

/** The sandbox cannot run the tests at all: ptc's problem to report (exit 4), not the generated code's. */
function runnerMissing(what: 'pytest' | 'python3' | 'node', res: ExecResult): SandboxError {
  const hint =
    what === 'pytest'
      ? 'install pytest for the python ptc uses: `python3 -m pip install pytest` (or use --sandbox daytona)'
      : what === 'python3'
        ? 'install Python 3 with pytest, or use --sandbox daytona'
        : 'install Node.js 20 or newer, or use --sandbox daytona';
  return new SandboxError(`the sandbox has no ${what} to run the tests with: ${lastLine(res.stderr || res.stdout)}`, {
    code: 'sandbox_runner_missing',
    hint,
    retryable: false,
  });
}

// ---------- node ----------

async function runNodeTests(
  ctx: RunCtx,
  testFiles: string[],
  runPaths: Map<string, string>,
  nodeFlags: string[],
  env: Record<string, string>,
): Promise<RunOutcome> {
  const cases: TestCase[] = [];
  const outputs: string[] = [];
  const problems: string[] = [];
  let untrusted = false;
  // One node per test file: node 20's JUnit report does not say which file a case came from.
  for (const [i, file] of testFiles.entries()) {
    const junitPath = `${PTC_DIR}/junit-${i}.xml`;
    const cmd =
      `rm -f ${junitPath}; exec node ${nodeFlags.join(' ')} --test --test-reporter=junit ` +
      `--test-reporter-destination=${junitPath} --test-reporter=spec --test-reporter-destination=stdout ` +
      `--test-reporter=${shq(nodeReporterUrl())} --test-reporter-destination=stderr ` +
      argPath(runPaths.get(file) ?? file);
    const key = await newResultsKey(ctx);
    const res = await exec(ctx, cmd, 'run node --test', env, true);
    if (res.exitCode === 127) throw runnerMissing('node', res);
    const { stream, runnerOutput: out } = readResults(res, key);
    outputs.push(out);
    if (res.timedOut) {
      problems.push(timeoutProblem(ctx));
      break;
    }
    const junit = await readJUnit(ctx, junitPath, { flavor: 'node', file });
    const fileCases = stream.cases.flatMap((c) => toNodeCase(c, file, out, junit));
    cases.push(...fileCases);
    const distrust = untrustedReason(stream, { runner: 'node', exitCode: res.exitCode, junit: junitStatuses(junit) });
    if (distrust) {
      untrusted = true;
      problems.push(untrustedProblem(`${distrust} (${file})`));
    } else if (!stream.ended && fileCases.length === 0) {
      problems.push(noReportProblem(`node --test ${file}`, res, tail(out, OUTPUT_TAIL_BYTES)));
    }
  }
  return {
    cases,
    problem: problems.length > 0 ? problems.join('\n') : null,
    output: tail(outputs.join('\n'), OUTPUT_TAIL_BYTES),
    untrusted,
  };
}

/** Node failure types that mean the test's own code failed; the others (hooks, cancellation) are errors. */
const NODE_TEST_FAILURES = new Set(['testCodeFailure', 'testTimeoutFailure']);

/** A streamed node case as a TestCase; a file that registered no tests is reported by node as a passing "test". */
function toNodeCase(c: StreamCase, file: string, output: string, junit: TestCase[] | null): TestCase[] {
  if (c.fileLevel) {
    if (c.status !== 'failed') return [];
    const message = errorExcerpt(output) ?? 'the test file failed to load or exited before its tests finished (see the output)';
    return [{ name: file, file, status: 'error', durationMs: c.durationMs, message }];
  }
  const status = c.status === 'failed' && c.failureType !== null && !NODE_TEST_FAILURES.has(c.failureType) ? 'error' : c.status;
  const message = c.status === 'passed' ? null : firstLines(c.message, 20);
  return [withJUnitDetail({ name: c.name, file, status, durationMs: c.durationMs, message }, junit)];
}

/** The first error a crashed test file printed, without node's internal frames. */
function errorExcerpt(output: string): string | null {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /^(\w+)?(Error|Exception)\b|^\w+Error \[/.test(l.trim()));
  if (start < 0) return null;
  const picked: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.trim() === '' || picked.length >= 10) break;
    if (/^\s*at .*(node:|internal\/)/.test(line)) continue;
    picked.push(line.trimEnd());
  }
  return picked.join('\n');
}

// ---------- results ----------

/**
 * A fresh key for the next run's reporter, put where it reads (and deletes) it before any of the code runs: records
 * the code writes itself cannot carry it.
 */
async function newResultsKey(ctx: RunCtx): Promise<string> {
  const key = randomBytes(16).toString('hex');
  await ctx.sandbox.prepare([{ path: RESULTS_KEY_PATH, content: key }]);
  return key;
}

/** The reporter's records (from the results pipe, or framed in stdout where there is none) and the runner's own output. */
function readResults(res: ExecResult, key: string): { stream: ResultStream; runnerOutput: string } {
  if (res.results !== undefined) return { stream: parseResultStream(res.results, key), runnerOutput: joinOutput(res) };
  const framed = splitFramedOutput(res.stdout);
  return { stream: parseResultStream(framed.records, key), runnerOutput: joinOutput({ ...res, stdout: framed.output }) };
}

async function readJUnit(ctx: RunCtx, path: string, opts: { flavor: 'pytest' | 'node'; file?: string }): Promise<TestCase[] | null> {
  const xml = await ctx.sandbox.readFile(path);
  if (!xml) return null;
  const { parseJUnit } = await loadJUnit();
  try {
    return parseJUnit(xml.toString('utf8'), opts);
  } catch {
    return null; // only a source of messages: the streamed results stand without it
  }
}

function junitStatuses(junit: TestCase[] | null): TestCase['status'][] | null {
  return junit ? junit.map((c) => c.status) : null;
}

/** The JUnit case of the same name lends its failure message (pytest's and node's are tidied up there). */
function withJUnitDetail(c: TestCase, junit: TestCase[] | null): TestCase {
  if (c.status === 'passed' || !junit) return c;
  const match = junit.find((j) => j.name === c.name && (j.file === c.file || j.file === null) && j.status === c.status);
  return match?.message ? { ...c, message: match.message } : c;
}

function toPytestCase(c: StreamCase): TestCase {
  return { name: c.name, file: c.file, status: c.status, durationMs: c.durationMs, message: pytestSummary(c.message) };
}

/** pytest's failure text repeats the test's source: its `E` lines and the location say what went wrong. */
function pytestSummary(text: string | null): string | null {
  if (!text) return null;
  const lines = text.split('\n');
  const eLines = lines.filter((l) => /^E\s/.test(l)).map((l) => l.replace(/^E\s{0,7}/, ''));
  const where = lines.filter((l) => /^[^\s].*:\d+: \S/.test(l)).slice(-1);
  return eLines.length > 0 ? firstLines([...eLines, ...where].join('\n'), 20) : firstLines(lastLines(text, 20), 20);
}

function firstLines(text: string | null, n: number): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed.split('\n').slice(0, n).join('\n') : null;
}

function untrustedProblem(why: string): string {
  return `the test results cannot be trusted: ${why}`;
}

// ---------- helpers ----------

async function exec(
  ctx: RunCtx,
  command: string,
  what: string,
  env?: Record<string, string>,
  resultsChannel = false,
): Promise<ExecResult> {
  try {
    const res = await ctx.sandbox.exec(command, { timeoutMs: remainingMs(ctx), signal: ctx.input.signal, env, resultsChannel });
    warnLimitHit(ctx, res);
    return res;
  } catch (err) {
    if (err instanceof PtcError) throw err; // abort, timeout or a sandbox failure already said what happened
    throw new SandboxError(`could not ${what} in the sandbox: ${(err as Error).message}`, {
      code: 'sandbox_exec_failed',
      hint: 'run `ptc doctor` to check the sandbox',
      retryable: true,
      cause: err,
    });
  }
}

/** A sandbox limit the code ran into becomes a result warning (once per run), not an unexplained crash. */
function warnLimitHit(ctx: RunCtx, res: ExecResult): void {
  if (!res.limitsHit) return;
  const warned = limitWarnings.get(ctx.input) ?? new Set<string>();
  limitWarnings.set(ctx.input, warned);
  for (const hit of res.limitsHit) {
    if (warned.has(hit)) continue;
    warned.add(hit);
    ctx.logger.warn(hit);
  }
}
const limitWarnings = new WeakMap<RunTestsInput, Set<string>>();

function isBad(c: TestCase): boolean {
  return c.status === 'failed' || c.status === 'error';
}

function timeoutProblem(ctx: RunCtx): string {
  const seconds = Math.round(ctx.input.timeoutMs / 100) / 10;
  return `the tests did not finish within ${seconds}s and were stopped (every process they started was killed)`;
}

function noReportProblem(runner: string, res: ExecResult, output: string): string {
  return `${runner} exited with code ${res.exitCode} without writing a test report:\n${lastLines(output, 15)}`;
}

function joinOutput(res: Pick<ExecResult, 'stdout' | 'stderr'>): string {
  return [res.stdout, res.stderr].filter((s) => s.length > 0).join('\n');
}

function tail(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  return `…${buf.subarray(buf.length - maxBytes).toString('utf8')}`;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function lastLine(text: string): string {
  return lastLines(text, 1).trim();
}

/** A path as one shell word; `./` first so a name starting with `-` is never taken for a flag. */
function argPath(path: string): string {
  return shq(path.startsWith('-') ? `./${path}` : path);
}
