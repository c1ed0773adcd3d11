/**
 * The sandbox side of a run: a sandbox held for the run (a place at the shared gate from creation to
 * dispose), and one test run in it.
 */
import { abortReason, SandboxError } from '../errors.js';
import { contractTests } from '../report/build.js';
import type { Lang } from '../languages/registry.js';
import type { GeneratedFile, Sandbox, TestReport } from '../types.js';
import type { PipelineDeps } from './pipeline-types.js';
import { type RunScope, warn } from './run-scope.js';
import { withUserFiles } from './user-tests.js';

export async function createSandbox(lang: Lang, deps: PipelineDeps, projectDir?: string): Promise<Sandbox> {
  deps.onPhase?.(deps.sandbox.kind === 'daytona' ? 'creating Daytona sandbox' : 'preparing local sandbox');
  const release = deps.sandboxGate ? await deps.sandboxGate.acquire(deps.signal) : () => {};
  let sandbox: Sandbox;
  try {
    sandbox = await deps.sandbox.create(lang, { projectDir });
  } catch (err) {
    release();
    throw err;
  }
  const unregister = deps.registerCleanup(() => sandbox.dispose());
  const dispose = sandbox.dispose.bind(sandbox);
  (sandbox as { dispose: () => Promise<void> }).dispose = async () => {
    unregister();
    try {
      await dispose();
    } finally {
      release();
    }
  };
  return sandbox;
}

export interface TestRun extends RunScope {
  sandbox: Sandbox;
  lang: Lang;
  /** The project as it is now, contents included: the runner reads sources from these, not from the sandbox. */
  files: GeneratedFile[];
  dependencies: string[];
  /** No repair round can follow this run: the hidden tests share its session even when it fails. */
  lastRound: boolean;
}

export async function runTests(t: TestRun): Promise<TestReport> {
  const { sandbox, opts, deps, draft } = t;
  const reason = abortReason(deps.signal);
  if (reason) throw reason;
  deps.onPhase?.('running tests');
  const report = await deps.runTests(sandbox, {
    lang: t.lang,
    files: withUserFiles(t.files, opts, deps.reply.classifyFile),
    dependencies: t.dependencies,
    timeoutMs: opts.testTimeoutMs,
    signal: deps.signal,
    // The runner's warnings (a missing optional package, a plugin not loaded) belong in the result too.
    logger: {
      info: (m) => deps.logger.info(m),
      debug: (m) => deps.logger.debug(m),
      progress: (m) => deps.logger.progress(m),
      warn: (m) => warn(draft, deps.logger, m),
    },
    network: sandbox.kind === 'daytona',
    // A Daytona sandbox is fresh: its plugins are the ones the code asked for, whatever the local setting.
    pytestPlugins: sandbox.kind === 'local' ? opts.pytestPlugins : 'used',
    lastRound: t.lastRound,
    onPhase: (p) => deps.onPhase?.(p === 'installing' ? 'installing dependencies' : 'running tests'),
  });
  if (!report.ran && report.problem) {
    throw new SandboxError(report.problem, { code: 'sandbox_run_failed' });
  }
  return report;
}

/**
 * A round's tests in the contract's shape, without its passing cases: the counts say how many passed, and the
 * final `tests` lists every case. What a round adds is what failed; repeating every passing case in every
 * round made a 31-test result 16 KB.
 */
export function toRoundTests(t: TestReport) {
  const tests = contractTests(t)!;
  return { ...tests, cases: tests.cases.filter((c) => c.status !== 'passed') };
}
