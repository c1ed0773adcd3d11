/**
 * What a language's test runner gets from the sandbox-agnostic runner (runner.ts): the run's context, the
 * bounded exec, the results channel, JUnit reading and the wording of problems. The runners themselves live
 * with their languages (src/languages/<lang>/runner.ts) and say only what is their own.
 */
import { randomBytes } from 'node:crypto';
import { PtcError, SandboxError } from '../errors.js';
import type { ExecResult, FileKind, Logger, PytestPluginPolicy, Sandbox, TestCase, TestOrigin } from '../types.js';
import { RESULTS_KEY_PATH } from './result-reporters.js';
import { parseResultStream, splitFramedOutput, type ResultStream } from './result-stream.js';
import { shellQuote as shq } from './shell-quote.js';

export { shq };

/** A source file's path and text, as the dependency detection and the runners read it. */
export interface SourceFile {
  path: string;
  content: string;
}

/**
 * The user's own tests, read once before any model call: `acceptance` is shown to the model as the spec and
 * protected from its writes; `hidden` reaches the sandbox only, never a request. Paths are relative to the
 * output (or run) folder, where they are placed beside the generated files.
 */
export interface UserTests {
  acceptance: SourceFile[];
  hidden: SourceFile[];
}

export interface RunTestsInput {
  /** A language id of the registry (not its `Lang` type: the registry loads the runners, which import this). */
  lang: string;
  /**
   * The project's files with their contents: the runner reads sources from here, never back from the sandbox.
   * `origin` marks the user's tests (default `generated`): hidden ones are uploaded for the run and removed again
   * when it ends; they share the visible tests' session unless what that session reports may reach a model.
   */
  files: { path: string; kind: FileKind; content: string; origin?: TestOrigin }[];
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
  /**
   * No repair round can follow this run (the last round, `--fix 0`, `ptc run`): nothing it reports reaches a model,
   * so a failing run that shared its session with the hidden tests needs no second, visible-only run.
   */
  lastRound?: boolean;
}

export interface RunCtx {
  sandbox: Sandbox;
  input: RunTestsInput;
  deadline: number;
  logger: Logger;
}

export interface RunOutcome {
  cases: TestCase[];
  /** Set when the run cannot be trusted as it is (no report, zero tests, timeout). */
  problem: string | null;
  output: string;
  /** `problem` says why the results cannot be believed (test_results_untrusted). */
  untrusted?: boolean;
}

/** What a language does before its dependencies are looked for (TypeScript: transpile to what node runs). */
export interface PreparedRun {
  /** The sources the dependency detection reads (the emitted JavaScript, for TypeScript). */
  sources: SourceFile[];
  /** Opaque to runner.ts: handed back to the language's `run`. */
  state?: unknown;
}

/** How a language's packages are checked and installed in the sandbox. */
export interface PackageTool {
  /** The name the check reports a spec by (`requests>=2` → `requests`, `lodash@4` → `lodash`). */
  nameOf(spec: string): string;
  /** A command that prints, as its last line, the JSON list of the names (nameOf) the sandbox lacks. */
  missingCheck(specs: string[]): string;
  /** The command that installs the missing specs where the tests will find them. */
  installCommand(missing: string[]): string;
  /** Environment the tests need to see what was installed. */
  installedEnv: Record<string, string>;
  /** Install output that says a package does not exist (the reply's mistake, not the sandbox's). */
  noSuchPackage: RegExp;
}

/** A language's test runner: which files it runs, which packages they need, and the run itself. */
export interface TestRunner {
  /** The runner's name in reports (`pytest`, `node --test`). */
  name: string;
  /** Files it reads as sources (for dependencies). */
  isSource(path: string): boolean;
  /** Of the files classified as tests, those it runs. */
  isTestFile(path: string): boolean;
  /** The test-file pattern, for "there is no test file (…) to run". */
  testFilePattern: string;
  /** Why a run that reported no case counts as failed. */
  noTestsCollected: string;
  prepare?(ctx: RunCtx, sources: SourceFile[], testFiles: string[]): Promise<PreparedRun>;
  /** Makes a fresh sandbox ready to run tests before any file is there (installs the runner where missing). */
  warmUp?(ctx: RunCtx): Promise<void>;
  dependencies(sources: SourceFile[], declared: string[]): Promise<string[]>;
  packages: PackageTool;
  /**
   * `keepGoing`: the files are two suites in one session (visible and hidden tests): a file that fails to load
   * must not stop the other files' tests.
   */
  run(ctx: RunCtx, run: { testFiles: string[]; env: Record<string, string>; deps: string[]; prepared: PreparedRun; keepGoing?: boolean }): Promise<RunOutcome>;
  /** The reports a run of these test files leaves in the sandbox (taken out after the hidden tests' run). */
  reportPaths?(testFiles: string[]): string[];
}

/** Scratch space inside the sandbox for reports and installed packages. */
export const PTC_DIR = '.ptc';
export const OUTPUT_TAIL_BYTES = 8 * 1024;

/**
 * fast-xml-parser takes 0.1 s or more to load: importing it lazily keeps it off every command that runs no tests,
 * and starting the import as a run begins hides it behind the test runner's own start-up.
 */
let junitModule: Promise<typeof import('./junit.js')> | null = null;
export function loadJUnit(): Promise<typeof import('./junit.js')> {
  junitModule ??= import('./junit.js');
  return junitModule;
}

function remainingMs(ctx: RunCtx): number {
  return Math.max(1, Math.round(ctx.deadline - performance.now()));
}

export async function exec(
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

/** The sandbox cannot run the tests at all: ptc's problem to report (exit 4), not the generated code's. */
export function runnerMissing(what: string, res: ExecResult, hint: string): SandboxError {
  return new SandboxError(`the sandbox has no ${what} to run the tests with: ${lastLine(res.stderr || res.stdout)}`, {
    code: 'sandbox_runner_missing',
    hint,
    retryable: false,
  });
}

// ---------- results ----------

/**
 * A fresh key for the next run's reporter, put where it reads (and deletes) it before any of the code runs: records
 * the code writes itself cannot carry it.
 */
export async function newResultsKey(ctx: RunCtx): Promise<string> {
  const key = randomBytes(16).toString('hex');
  await ctx.sandbox.prepare([{ path: RESULTS_KEY_PATH, content: key }]);
  return key;
}

/** The reporter's records (from the results pipe, or framed in stdout where there is none) and the runner's own output. */
export function readResults(res: ExecResult, key: string): { stream: ResultStream; runnerOutput: string } {
  if (res.results !== undefined) return { stream: parseResultStream(res.results, key), runnerOutput: joinOutput(res) };
  const framed = splitFramedOutput(res.stdout);
  return { stream: parseResultStream(framed.records, key), runnerOutput: joinOutput({ ...res, stdout: framed.output }) };
}

export async function readJUnit(ctx: RunCtx, path: string, opts: { flavor: 'pytest' | 'node'; file?: string }): Promise<TestCase[] | null> {
  const xml = await ctx.sandbox.readFile(path);
  if (!xml) return null;
  const { parseJUnit } = await loadJUnit();
  try {
    return parseJUnit(xml.toString('utf8'), opts);
  } catch {
    return null; // only a source of messages: the streamed results stand without it
  }
}

export function junitStatuses(junit: TestCase[] | null): TestCase['status'][] | null {
  return junit ? junit.map((c) => c.status) : null;
}

/** The JUnit case of the same name lends its failure message (pytest's and node's are tidied up there). */
export function withJUnitDetail(c: TestCase, junit: TestCase[] | null): TestCase {
  if (c.status === 'passed' || !junit) return c;
  const match = junit.find((j) => j.name === c.name && (j.file === c.file || j.file === null) && j.status === c.status);
  return match?.message ? { ...c, message: match.message } : c;
}

export function untrustedProblem(why: string): string {
  return `the test results cannot be trusted: ${why}`;
}

// ---------- wording ----------

export function isBad(c: TestCase): boolean {
  return c.status === 'failed' || c.status === 'error';
}

export function timeoutProblem(ctx: RunCtx): string {
  const seconds = Math.round(ctx.input.timeoutMs / 100) / 10;
  return `the tests did not finish within ${seconds}s and were stopped (every process they started was killed)`;
}

export function noReportProblem(runner: string, res: ExecResult, output: string): string {
  return `${runner} exited with code ${res.exitCode} without writing a test report:\n${lastLines(output, 15)}`;
}

export function joinOutput(res: Pick<ExecResult, 'stdout' | 'stderr'>): string {
  return [res.stdout, res.stderr].filter((s) => s.length > 0).join('\n');
}

export function tail(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  return `…${buf.subarray(buf.length - maxBytes).toString('utf8')}`;
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export function lastLine(text: string): string {
  return lastLines(text, 1).trim();
}

export function firstLines(text: string | null, n: number): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed.split('\n').slice(0, n).join('\n') : null;
}

/** A path as one shell word; `./` first so a name starting with `-` is never taken for a flag. */
export function argPath(path: string): string {
  return shq(path.startsWith('-') ? `./${path}` : path);
}
