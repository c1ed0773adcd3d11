import { resolve } from 'node:path';
import type { Executed, ExecuteContext, PipelineCommandOptions, PipelineRequest } from '../app/execute.js';
import { TimeoutError } from '../errors.js';
import type { HistoryRecorder } from '../history/recorder.js';
import type { Logger, Usage } from '../types.js';
import { addUsage, ZERO_USAGE } from '../types.js';
import { CallGate, Semaphore } from './limiter.js';
import { SandboxPool, type PoolStats } from '../sandbox/pool.js';
import type { BatchState } from './state.js';
import { isFinal, notStarted, statusOf, type TaskResult } from './task-result.js';
import type { Task } from './tasks.js';

export interface BatchSettings {
  /** Each task writes into `<root>/<id>` (or `<root>/<task.out>`). */
  root: string;
  concurrency: number;
  llmConcurrency: number;
  sandboxConcurrency: number;
  /** Budget for the whole batch in USD: no task starts once it is spent. */
  maxCost: number | null;
  /** The batch's own flags, which every task starts from; a task's line overrides them. */
  defaults: PipelineCommandOptions;
  /** Whether a task runs its tests when neither it nor the flags say (the rc file's "run"). */
  runByDefault: boolean;
}

/** What the batch tells its progress display. */
export interface BatchListener {
  started?(id: string): void;
  /** Spend and tokens so far, in-flight tasks included. */
  spent?(usd: number, tokens: number): void;
  finished?(task: TaskResult): void;
}

export interface BatchDeps {
  execute: (req: PipelineRequest, ctx: ExecuteContext) => Promise<Executed>;
  /** The parts of the execute context every task shares (the CLI's). */
  context: Pick<ExecuteContext, 'cwd' | 'env' | 'registerCleanup' | 'addSecret' | 'configSources' | 'sandboxPool'> & { logger: Logger; signal: AbortSignal };
  state: BatchState;
  recorder: HistoryRecorder | null;
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
  const results = new Map<string, TaskResult>();
  const live = new Map<string, { usd: number; usage: Usage }>();
  let finishedUsd = 0;
  let finishedUsage: Usage = ZERO_USAGE;

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
    const earlier = deps.state.finished(task.spec.id, task.fingerprint);
    if (earlier) await finish(task, { ...earlier, resumed: true });
    else pending.push(task);
  }

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
        gate: llmGate,
        sandboxGate,
        sandboxPool: pool,
      };
      const { result } = await deps.execute(requestFor(task, settings, spentUsd()), ctx);
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
      } else if (settings.maxCost !== null && spentUsd() >= settings.maxCost) {
        result = notStarted(
          id,
          'skipped',
          `not started: the batch budget --max-cost $${settings.maxCost} is spent ($${spentUsd().toFixed(4)})`,
          'raise --max-cost and run the same command again: finished tasks are not run twice',
        );
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
  };
}

/** The generate request for one task: the batch's flags, then the task's own options, into its own folder. */
export function requestFor(task: Task, settings: BatchSettings, spentUsd: number): PipelineRequest {
  const { id, prompt, out, ...own } = task.spec;
  const options: PipelineCommandOptions = { ...settings.defaults, ...own, out: resolve(settings.root, out ?? id) };
  // A task's own run:false beats the batch-wide --fix: that task writes files only.
  if (own.run === false && own.fix === undefined) delete options.fix;
  if (settings.maxCost !== null) {
    // The pipeline's own check then stops a call that could take the batch past its budget.
    const left = Math.max(0, settings.maxCost - spentUsd);
    options.maxCost = own.maxCost === undefined ? left : Math.min(own.maxCost, left);
  }
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
