import { resolve } from 'node:path';
import { formatUsd } from '../cost/money.js';
import type { Executed, ExecuteContext, PipelineCommandOptions, PipelineRequest } from '../app/execute.js';
import { PtcError, TimeoutError } from '../errors.js';
import type { HistoryRecorder } from '../history/recorder.js';
import type { Logger, Usage } from '../types.js';
import { addUsage, ZERO_USAGE } from '../types.js';
import { CallGate, Semaphore } from './limiter.js';
import { SandboxPool, type PoolStats } from '../sandbox/pool.js';
import type { BatchState } from './state.js';
import { BudgetPool } from './budget-pool.js';
import { FirstCallLatch } from './first-call.js';
import { BATCH_STOPPED, isSetupFailure } from './setup-failure.js';
import { isFinal, notStarted, statusOf, type TaskResult } from './task-result.js';
import type { Task } from './tasks.js';

export interface BatchSettings {
  /** Each task writes into `<root>/<id>` (or `<root>/<task.out>`). */
  root: string;
  concurrency: number;
  llmConcurrency: number;
  sandboxConcurrency: number;
  /** Budget for the whole batch in USD, never passed: each model call reserves its worst case first. */
  maxCost: number | null;
  /** The batch's own flags, which every task starts from; a task's line overrides them. */
  defaults: PipelineCommandOptions;
  /** Whether a task runs its tests when neither it nor the flags say (the rc file's "run"). */
  runByDefault: boolean;
  /** Rerun tasks an earlier run recorded as ended in an error (not those whose tests failed). */
  retryFailed?: boolean;
}

/** What the batch tells its progress display. */
export interface BatchListener {
  started?(id: string): void;
  /** Spend and tokens so far, in-flight tasks included. */
  spent?(usd: number, tokens: number): void;
  finished?(task: TaskResult): void;
}

export interface BatchDeps {
  /** `task` lets a caller that keeps more per task than a line holds (eval: hidden tests, recordings) find it. */
  execute: (req: PipelineRequest, ctx: ExecuteContext, task: Task) => Promise<Executed>;
  /** The parts of the execute context every task shares (the CLI's). */
  context: Pick<ExecuteContext, 'cwd' | 'env' | 'registerCleanup' | 'addSecret' | 'configSources' | 'sandboxPool' | 'confineInputsTo'> & { logger: Logger; signal: AbortSignal };
  state: BatchState;
  recorder: Pick<HistoryRecorder, 'record' | 'flush'> | null;
  listener?: BatchListener;
}

export interface BatchRun {
  /** In the tasks file's order, whatever order they finished in. */
  tasks: TaskResult[];
  durationMs: number;
  /** Times a 429 made the whole batch back off. */
  backoffs: number;
  /** The warm Daytona sandboxes the tasks shared (none created when the tasks ran locally). */
  sandboxes?: PoolStats;
  /** The set-up failure that stopped the batch (no key, a refused key, an unknown model), if one did. */
  stoppedBy?: TaskResult | null;
}

/**
 * Runs the tasks with bounded concurrency: at most `concurrency` tasks in flight, `llmConcurrency` model
 * calls and `sandboxConcurrency` sandboxes at once across all of them. Tasks finished in an earlier run are
 * taken from the state file; finished tasks are added to it as they end. Never throws for a task's failure.
 */
export async function runBatch(tasks: Task[], settings: BatchSettings, deps: BatchDeps): Promise<BatchRun> {
  const started = Date.now();
  const llmGate = new CallGate(settings.llmConcurrency);
  const sandboxGate = new Semaphore(settings.sandboxConcurrency);
  // Daytona tasks borrow warm sandboxes, at most --sandbox-concurrency of them, all deleted when the batch ends
  // (or is interrupted). A caller may bring its own pool.
  const pool = deps.context.sandboxPool ?? new SandboxPool({ max: settings.sandboxConcurrency, logger: deps.context.logger });
  const unregisterPool = deps.context.sandboxPool ? () => {} : deps.context.registerCleanup(() => pool.close());
  let run: BatchRun;
  try {
    run = await runTasks(tasks, settings, deps, { llmGate, sandboxGate, pool, started });
  } finally {
    if (!deps.context.sandboxPool) {
      unregisterPool();
      await pool.close();
    }
  }
  return { ...run, sandboxes: pool.stats() };
}

async function runTasks(
  tasks: Task[],
  settings: BatchSettings,
  deps: BatchDeps,
  shared: { llmGate: CallGate; sandboxGate: Semaphore; pool: SandboxPool; started: number },
): Promise<BatchRun> {
  const { llmGate, sandboxGate, pool, started } = shared;
  const latch = new FirstCallLatch();
  const results = new Map<string, TaskResult>();
  const live = new Map<string, { usd: number; usage: Usage }>();
  let finishedUsd = 0;
  let finishedUsage: Usage = ZERO_USAGE;
  let stoppedBy: TaskResult | null = null;

  const spentUsd = () => finishedUsd + [...live.values()].reduce((n, t) => n + t.usd, 0);
  const tokensOf = (u: Usage) => u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  const reportSpend = () =>
    deps.listener?.spent?.(spentUsd(), tokensOf(finishedUsage) + [...live.values()].reduce((n, t) => n + tokensOf(t.usage), 0));

  const finish = async (task: Task, result: TaskResult) => {
    results.set(result.id, result);
    live.delete(result.id);
    finishedUsd += result.cost?.usd ?? 0;
    if (result.usage) finishedUsage = addUsage(finishedUsage, result.usage);
    if (!result.resumed && isFinal(result)) await deps.state.record(task.fingerprint, result);
    reportSpend();
    deps.listener?.finished?.(result);
  };

  const pending: Task[] = [];
  for (const task of tasks) {
    const earlier = deps.state.standing(task.spec.id, task.fingerprint, settings);
    if (earlier) await finish(task, { ...earlier, resumed: true });
    else pending.push(task);
  }
  // The budget covers the whole batch, earlier runs' spend included: each call reserves its worst case.
  const budget = settings.maxCost === null ? null : new BudgetPool(settings.maxCost);
  budget?.addSpent(finishedUsd);

  const runOne = async (task: Task): Promise<TaskResult> => {
    const id = task.spec.id;
    const { signal } = deps.context;
    const timeout = task.spec.timeout ?? settings.defaults.timeout;
    const controller = new AbortController();
    const timer = timeout ? setTimeout(() => controller.abort(new TimeoutError(timeout)), timeout * 1000) : null;
    timer?.unref();
    const taskSignal = AbortSignal.any([signal, controller.signal]);
    try {
      deps.listener?.started?.(id);
      live.set(id, { usd: 0, usage: ZERO_USAGE });
      // The pipeline takes a place in the shared gates around each model call and for each sandbox's life,
      // tells the LLM gate about the waits a 429 or 529 asked for, and reports every call it made.
      const ctx: ExecuteContext = {
        ...deps.context,
        signal: taskSignal,
        logger: taskLogger(deps.context.logger, id),
        onRound: (_round, draft) => {
          live.set(id, { usd: draft.cost?.usd ?? 0, usage: draft.usage ?? ZERO_USAGE });
          reportSpend();
        },
        onCall: (call) => deps.recorder?.record({ ...call, command: 'batch', task: id }),
        sandboxGate,
        sandboxPool: pool,
        budget: budget ?? undefined,
      };
      const req = requestFor(task, settings, { rerun: deps.state.recorded(id) });
      ctx.gate = latch.gateFor(modelKind(req), llmGate);
      const { result } = await deps.execute(req, ctx, task);
      const code = result.error?.code;
      if (code === BATCH_STOPPED) return stoppedTask(id, latch.stopped);
      if (code === 'batch_budget_spent' && !result.usage) return budgetSpent(id, result.error!.message);
      if (isSetupFailure(result.error)) {
        latch.stop(new PtcError(result.error!.code, result.exitCode, result.error!.message));
        stoppedBy ??= { ...result, id, status: 'error' };
      }
      return { ...result, id, status: statusOf(result) };
    } catch (err) {
      // executeRequest turns every failure into a result; anything that still escapes leaves the task not run.
      return notStarted(id, 'interrupted', `not started: ${(err as Error).message}`, 'run the same command again to resume');
    } finally {
      if (timer) clearTimeout(timer);
      await deps.recorder?.flush();
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const task = pending[next++]!;
      const id = task.spec.id;
      let result: TaskResult;
      if (deps.context.signal.aborted) {
        result = notStarted(id, 'interrupted', 'not started: the batch was interrupted', 'run the same command again to resume');
      } else if (latch.stopped) {
        result = stoppedTask(id, latch.stopped);
      } else if (budget && budget.spentUsd >= budget.limitUsd) {
        result = budgetSpent(id, `not started: the batch budget --max-cost ${formatUsd(budget.limitUsd)} is spent (${formatUsd(budget.spentUsd)})`);
      } else {
        result = await runOne(task);
      }
      await finish(task, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, Math.max(1, pending.length)) }, worker));

  return {
    tasks: tasks.map((t) => results.get(t.spec.id)!),
    durationMs: Date.now() - started,
    backoffs: llmGate.backoffs,
    sandboxes: pool.stats(),
    stoppedBy,
  };
}

/** A task the batch did not start because it stopped at a set-up failure: not recorded, so a rerun runs it. */
function stoppedTask(id: string, cause: { code: string; message: string } | null): TaskResult {
  return notStarted(
    id,
    'skipped',
    `not started: the batch stopped at a set-up failure${cause ? ` (${cause.code})` : ''}`,
    'fix it and run the same command again: tasks not started are not recorded',
    BATCH_STOPPED,
  );
}

function budgetSpent(id: string, message: string): TaskResult {
  return notStarted(id, 'skipped', message, 'raise --max-cost and run the same command again: finished tasks are not run twice');
}

/** Tasks asking the same provider, model and endpoint: the first call of each kind goes first (FirstCallLatch). */
function modelKind(req: PipelineRequest): string {
  const o = req.options;
  return JSON.stringify([o.provider ?? null, o.model ?? null, o.baseUrl ?? null]);
}

/**
 * The generate request for one task: the batch's flags, then the task's own options, into its own folder.
 * `rerun`: an earlier run recorded the task (retried, or its line changed); the files in its own folder are that
 * run's, so they are replaced rather than refused after the new call is paid for.
 */
export function requestFor(task: Task, settings: BatchSettings, o: { rerun?: boolean } = {}): PipelineRequest {
  const { id, prompt, out, ...own } = task.spec;
  const options: PipelineCommandOptions = { ...settings.defaults, ...own, out: resolve(settings.root, out ?? id) };
  // A task's own run:false beats the batch-wide --fix: that task writes files only.
  if (own.run === false && own.fix === undefined) delete options.fix;
  if (o.rerun && out === undefined && own.force === undefined) options.force = true;
  // The batch's --max-cost is shared through its BudgetPool; a task line's own maxCost bounds that task too.
  return { command: 'generate', prompt, replyText: null, runDir: null, options };
}

/** A task's messages, marked with its id. */
function taskLogger(base: Logger, id: string): Logger {
  return {
    info: (m) => base.debug(`[${id}] ${m}`),
    warn: (m) => base.warn(`[${id}] ${m}`),
    debug: (m) => base.debug(`[${id}] ${m}`),
    progress: () => {},
  };
}
