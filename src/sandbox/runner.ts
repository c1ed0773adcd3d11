/**
 * Runs the generated tests in any Sandbox (local or Daytona) and turns what the runner reports into a
 * TestReport. Sandbox-agnostic (it only uses prepare/exec/readFile) and language-agnostic: the language's test
 * runner (src/languages/<lang>/runner.ts) names the files, the packages and the command, and reads the results.
 * Each case's status comes from ptc's own reporter, streamed while the tests run (result-reporters.ts) and
 * checked against the runner's exit status (result-stream.ts); the JUnit XML the runner also writes only lends
 * its failure messages and must agree. The runner's text output is kept (bounded) for people and repair prompts,
 * never parsed for results.
 */
import { SandboxError } from '../errors.js';
import { getLanguage } from '../languages/registry.js';
import type { SourceFile } from '../languages/types.js';
import type { InstallReport, Sandbox, TestCase, TestReport } from '../types.js';
import { silentLogger } from '../types.js';
import { exec, lastLine, loadJUnit, tail, type RunCtx, type RunOutcome, type RunTestsInput, type TestRunner } from './run-context.js';

export type { RunTestsInput } from './run-context.js';
export { rewriteTsImports } from '../languages/typescript/transpile.js';

export async function runTestsIn(sandbox: Sandbox, input: RunTestsInput): Promise<TestReport> {
  const started = performance.now();
  const deadline = started + input.timeoutMs;
  const logger = input.logger ?? silentLogger;
  const ctx: RunCtx = { sandbox, input, deadline, logger };
  void loadJUnit().catch(() => undefined); // warm up while the tests run; awaited where the XML is read
  const runner = await getLanguage(input.lang).loadRunner();

  const testFiles = input.files.filter((f) => f.kind === 'test' && runner.isTestFile(f.path)).map((f) => f.path);
  const base = emptyReport(sandbox, runner.name);
  if (testFiles.length === 0) {
    // ran: true — the sandbox worked; the generated tests are what is missing (a test failure, not exit 4).
    return { ...base, ran: true, problem: `no tests were collected: there is no test file (${runner.testFilePattern}) to run` };
  }

  const sources = sourcesOf(input.files, runner);
  const prepared = runner.prepare ? await runner.prepare(ctx, sources, testFiles) : { sources };
  const deps = await runner.dependencies(prepared.sources, input.dependencies);
  const setup = deps.length > 0 ? await installDeps(ctx, runner, deps) : { install: null, missing: [], env: {} };

  input.onPhase?.('running');
  const run = await runner.run(ctx, { testFiles, env: setup.env, deps, prepared });

  const report = buildReport(base, run, runner);
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

/**
 * Gets a fresh sandbox ready for a language's tests while nothing else needs it (the model is still answering):
 * on a sandbox with network, the runner is installed where the image lacks it. Throws what exec throws.
 */
export async function warmRunnerIn(
  sandbox: Sandbox,
  input: Pick<RunTestsInput, 'lang' | 'timeoutMs' | 'signal' | 'logger' | 'network'>,
): Promise<void> {
  const runner = await getLanguage(input.lang).loadRunner();
  if (!runner.warmUp) return;
  const logger = input.logger ?? silentLogger;
  const ctx: RunCtx = { sandbox, input: { ...input, files: [], dependencies: [] }, deadline: performance.now() + input.timeoutMs, logger };
  await runner.warmUp(ctx);
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

function buildReport(base: TestReport, run: RunOutcome, runner: TestRunner): TestReport {
  const count = (s: TestCase['status']) => run.cases.filter((c) => c.status === s).length;
  const problem = run.problem ?? (run.cases.length === 0 ? runner.noTestsCollected : null);
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
function sourcesOf(files: RunTestsInput['files'], runner: TestRunner): SourceFile[] {
  return files.filter((f) => f.kind !== 'other' && runner.isSource(f.path)).map((f) => ({ path: f.path, content: f.content }));
}

// ---------- dependencies ----------

interface DepSetup {
  install: InstallReport | null;
  /** Packages the code needs that the sandbox does not have. */
  missing: string[];
  /** Environment for the test run (where the installed packages are). */
  env: Record<string, string>;
}

async function installDeps(ctx: RunCtx, runner: TestRunner, deps: string[]): Promise<DepSetup> {
  const tool = runner.packages;
  ctx.input.onPhase?.('installing');
  // Where ptc installs (a sandbox with network), what an earlier run installed there counts as installed.
  const checked = await exec(ctx, tool.missingCheck(deps), 'check which packages are already installed', ctx.input.network ? tool.installedEnv : undefined);
  let missingNames: string[];
  try {
    missingNames = JSON.parse(checked.stdout.trim().split('\n').pop() ?? '[]') as string[];
  } catch {
    missingNames = deps.map(tool.nameOf);
  }
  const missing = deps.filter((d) => missingNames.includes(tool.nameOf(d)));
  if (missing.length === 0) return { install: { packages: deps, ok: true, output: null }, missing: [], env: {} };
  if (!ctx.input.network) return { install: { packages: deps, ok: false, output: null }, missing, env: {} };

  const res = await exec(ctx, tool.installCommand(missing), 'install the dependencies');
  const env = { ...tool.installedEnv };
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
  if (!tool.noSuchPackage.test(output)) {
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
