/**
 * Runs the generated tests in any Sandbox (local or Daytona) and turns what the runner reports into a
 * TestReport. Sandbox-agnostic (it only uses prepare/exec/readFile) and language-agnostic: the language's test
 * runner (src/languages/<lang>/runner.ts) names the files, the packages and the command, and reads the results.
 * Each case's status comes from ptc's own reporter, streamed while the tests run (result-reporters.ts) and
 * checked against the runner's exit status (result-stream.ts); the JUnit XML the runner also writes only lends
 * its failure messages and must agree. The runner's text output is kept (bounded) for people and repair prompts,
 * never parsed for results. Hidden tests join the visible tests' session (one interpreter start-up) unless what
 * that session reports could reach a model: then the model is shown a run without them.
 */
import { SandboxError } from '../errors.js';
import { testsFailed } from '../report/build.js';
import { getLanguage, languageOfExtension } from '../languages/registry.js';
import type { SourceFile } from '../languages/types.js';
import type { InstallReport, Sandbox, TestCase, TestReport } from '../types.js';
import { silentLogger } from '../types.js';
import { exec, lastLine, loadJUnit, tail, type PreparedRun, type RunCtx, type RunOutcome, type RunTestsInput, type TestRunner } from './run-context.js';

export type { RunTestsInput } from './run-context.js';
export { rewriteTsImports } from '../languages/typescript/transpile.js';

export async function runTestsIn(sandbox: Sandbox, input: RunTestsInput): Promise<TestReport> {
  const started = performance.now();
  const deadline = started + input.timeoutMs;
  const logger = input.logger ?? silentLogger;
  const ctx: RunCtx = { sandbox, input, deadline, logger };
  void loadJUnit().catch(() => undefined); // warm up while the tests run; awaited where the XML is read
  const runner = await getLanguage(input.lang).loadRunner();

  // Hidden tests are not among the files the set-up reads: they come in for the run (runWithHidden) and leave after it.
  const visibleFiles = input.files.filter((f) => f.origin !== 'hidden');
  const hiddenFiles = input.files.filter((f) => f.origin === 'hidden');
  const isRun = (f: RunTestsInput['files'][number]) => runsAsTest(runner, f);
  const testFiles = visibleFiles.filter(isRun).map((f) => f.path);
  const hiddenTests = hiddenFiles.filter(isRun).map((f) => f.path);
  const base = emptyReport(sandbox, runner.name);
  if (testFiles.length === 0 && hiddenTests.length === 0) {
    // ran: true — the sandbox worked; the generated tests are what is missing (a test failure, not exit 4).
    return { ...base, ran: true, problem: wrongLanguage(input) ?? `no tests were collected: there is no test file (${runner.testFilePattern}) to run` };
  }

  const sources = sourcesOf(visibleFiles, runner);
  const prepared = runner.prepare ? await runner.prepare(ctx, sources, testFiles) : { sources };
  // The packages come from the code and the visible tests only: an install report names them to the model.
  const deps = await runner.dependencies(prepared.sources, input.dependencies);
  const setup = deps.length > 0 ? await installDeps(ctx, runner, deps) : { install: null, missing: [], env: {} };

  input.onPhase?.('running');
  const session: Session = { visibleFiles, hiddenFiles, testFiles, hiddenTests, env: setup.env, deps, prepared };
  const note = setup.missing.length > 0 ? missingNote(setup.missing, input.network) : null;
  let noted = false;
  const assemble = (visible: RunOutcome, hidden: RunOutcome | null): TestReport => {
    const report = visibleReport(base, visible, session, runner, input);
    report.install = setup.install;
    // An unused or optional import must not fail a run whose tests all pass; otherwise it is the likely cause.
    noted = note !== null && testsFailed(report);
    if (noted) report.problem = report.problem ? `${note}; ${report.problem}` : note;
    return withHidden(report, hidden, session, runner, input.lang);
  };

  let report: TestReport;
  if (hiddenTests.length === 0) {
    report = assemble(await runVisible(ctx, runner, session), null);
  } else if (canShareSession(session)) {
    // One session for the visible and the hidden tests: one interpreter start-up instead of two.
    const shared = splitShared(await runWithHidden(ctx, runner, session, [...testFiles, ...hiddenTests]), session);
    report = assemble(shared.visible, shared.hidden);
    // Its output carries the hidden tests' text. Where a repair may follow a failure, what the model is shown
    // comes from the visible tests run again on their own; the hidden results stand (the same code ran them).
    if (!input.lastRound && testsFailed(report)) {
      await forgetHiddenRun(ctx, session);
      if (testFiles.length > 0) report = assemble(await runVisible(ctx, runner, session), shared.hidden);
    }
  } else {
    const visible = await runVisible(ctx, runner, session);
    const hidden = await runWithHidden(ctx, runner, session, hiddenTests);
    report = assemble(visible, { ...hidden, cases: hidden.cases.map((c) => ({ ...c, origin: 'hidden' as const })) });
    if (!input.lastRound && testsFailed(report)) await forgetHiddenRun(ctx, session);
  }
  if (note && !noted) logger.warn(note);
  // The results channel keys each case by its file, and the file says whose test it is.
  const origins = new Map(visibleFiles.map((f) => [f.path, f.origin ?? 'generated']));
  for (const c of report.cases) c.origin ??= (c.file !== null ? origins.get(c.file) : undefined) ?? 'generated';
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** What one test run works with: the files on each side of the line, and what the set-up found. */
interface Session {
  visibleFiles: RunTestsInput['files'];
  hiddenFiles: RunTestsInput['files'];
  /** The visible test files the runner runs, and the hidden ones. */
  testFiles: string[];
  hiddenTests: string[];
  env: Record<string, string>;
  deps: string[];
  /** The visible files as the runner prepared them. */
  prepared: PreparedRun;
}

async function runVisible(ctx: RunCtx, runner: TestRunner, s: Session): Promise<RunOutcome> {
  if (s.testFiles.length === 0) return { cases: [], problem: null, output: '' };
  return runner.run(ctx, { testFiles: s.testFiles, env: s.env, deps: s.deps, prepared: s.prepared });
}

/** The visible side of a report: its cases, output and problems (with only hidden tests, the hidden side decides). */
function visibleReport(base: TestReport, run: RunOutcome, s: Session, runner: TestRunner, input: RunTestsInput): TestReport {
  const report = buildReport(base, run, s.testFiles.length > 0 ? runner.noTestsCollected : null);
  if (run.untrusted) report.untrusted = true;
  const silent = silentUserTests(s.visibleFiles, run.cases, input.lang, runner);
  if (silent) report.problem = report.problem ? `${report.problem}\n${silent}` : silent;
  return report;
}

/** The hidden side joins the report: its cases, and its problems apart (`hiddenProblem`), never in `problem`. */
function withHidden(report: TestReport, hidden: RunOutcome | null, s: Session, runner: TestRunner, lang: string): TestReport {
  if (!hidden) return report;
  report.cases.push(...hidden.cases);
  countCases(report);
  if (hidden.untrusted) report.untrusted = true;
  // A hidden test file that reported nothing fails the run as surely as a failing hidden test.
  const problems = [hidden.problem ?? (hidden.cases.length === 0 ? runner.noTestsCollected : null), silentUserTests(s.hiddenFiles, hidden.cases, lang, runner)];
  report.hiddenProblem = problems.filter(Boolean).join('\n') || null;
  return report;
}

/**
 * The hidden tests can share the visible tests' session unless a hidden file takes a visible file's path (one
 * path cannot hold both contents) or a hidden test file a visible one's name (pytest imports both as one module).
 */
function canShareSession(s: Session): boolean {
  const visiblePaths = new Set(s.visibleFiles.map((f) => f.path));
  if (s.hiddenFiles.some((f) => visiblePaths.has(f.path))) return false;
  const name = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const visibleNames = new Set(s.testFiles.map(name));
  return !s.hiddenTests.some((p) => visibleNames.has(name(p)));
}

/**
 * A shared session's outcome, split by the file each case came from. A problem of the whole run stays with the
 * visible tests, and is the hidden tests' too when none of theirs reported (else theirs would read "no tests").
 */
function splitShared(run: RunOutcome, s: Session): { visible: RunOutcome; hidden: RunOutcome } {
  const hiddenTests = new Set(s.hiddenTests);
  const isHidden = (c: TestCase) => c.file !== null && hiddenTests.has(c.file);
  const hiddenCases = run.cases.filter(isHidden).map((c) => ({ ...c, origin: 'hidden' as const }));
  const onlyHidden = s.testFiles.length === 0;
  return {
    visible: onlyHidden ? { cases: [], problem: null, output: '' } : { cases: run.cases.filter((c) => !isHidden(c)), problem: run.problem, output: run.output, untrusted: run.untrusted },
    hidden: { cases: hiddenCases, problem: onlyHidden || hiddenCases.length === 0 ? run.problem : null, output: '', untrusted: run.untrusted },
  };
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

/**
 * A run with the hidden tests in the sandbox: their files go in just before it and are taken out (and the
 * reply's files at the same paths put back) just after, with what they caused there (reports, emitted sources),
 * so the code never sees them in a run whose output reaches the model. `testFiles` are the hidden tests alone,
 * or the visible and hidden tests in one session; with both, a file that fails to load stops neither's tests.
 */
async function runWithHidden(ctx: RunCtx, runner: TestRunner, s: Session, testFiles: string[]): Promise<RunOutcome> {
  const { sandbox } = ctx;
  // The mark goes in first: whatever changes after it, while the hidden tests are there, is suspect.
  await sandbox.prepare([{ path: HIDDEN_MARK, content: '' }, ...s.hiddenFiles.map((f) => ({ path: f.path, content: f.content }))]);
  const hiddenPaths = new Set(s.hiddenFiles.map((f) => f.path));
  let emitted: string[] = [];
  try {
    const sources = sourcesOf([...s.visibleFiles.filter((f) => !hiddenPaths.has(f.path)), ...s.hiddenFiles], runner);
    const prepared = runner.prepare ? await runner.prepare(ctx, sources, testFiles) : { sources };
    const before = new Set(s.prepared.sources.map((src) => src.path));
    emitted = prepared.sources.map((src) => src.path).filter((p) => !before.has(p) && !hiddenPaths.has(p));
    const keepGoing = testFiles.length > s.hiddenTests.length;
    return await runner.run(ctx, { testFiles, env: s.env, deps: s.deps, prepared, keepGoing });
  } finally {
    const restore = s.visibleFiles.filter((f) => hiddenPaths.has(f.path)).map((f) => ({ path: f.path, content: f.content }));
    const remove = [...hiddenPaths, ...emitted, ...(runner.reportPaths?.(testFiles) ?? [])].filter((p) => !restore.some((r) => r.path === p));
    await sandbox.prepare(restore, remove);
  }
}

/** When the hidden tests came into the sandbox (its modification time). */
const HIDDEN_MARK = '.ptc/hidden-mark';

/**
 * Before a run whose output reaches the model: the code ran while the hidden tests were in the folder, and could
 * have copied them anywhere in it for a later test to print. Every file whose status changed since the hidden
 * tests came in goes — by ctime, which the code cannot set back as it can a modification time — and the
 * project's files are put back from memory.
 */
async function forgetHiddenRun(ctx: RunCtx, s: Session): Promise<void> {
  const res = await exec(ctx, `find . ! -type d -cnewer ${HIDDEN_MARK} ! -path ./${HIDDEN_MARK} -delete`, 'clear what changed while the hidden tests ran');
  if (res.exitCode !== 0) {
    // Not knowing what stays, no later run may show the model anything: the run stops here.
    throw new SandboxError(`could not clear what the code wrote while the hidden tests ran: ${lastLine(res.stderr || res.stdout)}`, {
      code: 'sandbox_exec_failed',
      hint: 'run again; with --fix 0 the hidden tests run last and nothing needs clearing',
      retryable: true,
    });
  }
  // The project's files, and what the runner made of them (TypeScript's emitted JavaScript).
  const known = new Map<string, string>();
  for (const f of [...s.visibleFiles, ...s.prepared.sources]) known.set(f.path, f.content);
  await ctx.sandbox.prepare([...known].map(([path, content]) => ({ path, content })));
}

/** A file the runner runs as a test file. */
function runsAsTest(runner: TestRunner, f: RunTestsInput['files'][number]): boolean {
  return f.kind === 'test' && runner.isTestFile(f.path);
}

/**
 * A user's test file that defines tests but reported none was deselected, skipped at collection or never run
 * (what a hook of the code's could do): that is a failure, never a quiet pass with fewer tests.
 */
function silentUserTests(files: RunTestsInput['files'], cases: TestCase[], lang: string, runner: TestRunner): string | null {
  const counting = getLanguage(lang).counting.cases;
  const reported = new Set(cases.map((c) => c.file));
  const silent = files.filter((f) => f.origin !== undefined && f.origin !== 'generated' && runsAsTest(runner, f) && !reported.has(f.path) && (f.content.match(counting) ?? []).length > 0);
  if (silent.length === 0) return null;
  return `the user's test file${silent.length === 1 ? '' : 's'} ${silent.map((f) => f.path).join(', ')} reported no test case (deselected or never run)`;
}

function countCases(report: TestReport): void {
  const count = (s: TestCase['status']) => report.cases.filter((c) => c.status === s).length;
  report.passed = count('passed');
  report.failed = count('failed');
  report.errors = count('error');
  report.skipped = count('skipped');
}

/** When the tests there are in another language than --lang: which one, and the flag that runs them. */
function wrongLanguage(input: RunTestsInput): string | null {
  const asked = getLanguage(input.lang);
  const other = input.files
    .filter((f) => f.kind === 'test')
    .map((f) => languageOfExtension(/\.([^./]+)$/.exec(f.path)?.[1]?.toLowerCase() ?? ''))
    .find((l) => l !== null && l.family !== asked.family);
  if (!other) return null;
  return `no ${asked.id} tests found; the folder has ${other.label} tests — try --lang ${other.id}`;
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

function buildReport(base: TestReport, run: RunOutcome, noCases: string | null): TestReport {
  const count = (s: TestCase['status']) => run.cases.filter((c) => c.status === s).length;
  const problem = run.problem ?? (run.cases.length === 0 ? noCases : null);
  return {
    ...base,
    ran: true,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    skipped: count('skipped'),
    cases: [...run.cases],
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
