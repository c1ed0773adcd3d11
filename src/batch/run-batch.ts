import { resolve } from 'node:path';
import type { Executed, ExecuteContext, PipelineCommandOptions, PipelineRequest } from '../app/execute.js';
import { TimeoutError } from '../errors.js';
import type { CallRecord } from '../history/call-record.js';
import type { HistoryRecorder } from '../history/recorder.js';
import type { Logger, Usage } from '../types.js';
import { addUsage, ZERO_USAGE } from '../types.js';
import { callsFromResult } from './calls-from-result.js';
import type { BatchExecuteContext } from './hooks.js';
import { CallGate, Semaphore } from './limiter.js';
import type { BatchState } from './state.js';
import { isFinal, notStarted, statusOf, type TaskResult } from './task-result.js';
import { TaskSlots } from './task-slots.js';
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
  context: Pick<ExecuteContext, 'cwd' | 'env' | 'registerCleanup' | 'addSecret'> & { logger: Logger; signal: AbortSignal };
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
}

/** A 429 or 529 the provider's retry loop announced: "… 429 rate limited, retrying in 1.5s (attempt 2/3)". */
const RETRY_ANNOUNCEMENT = /\b(?:429|529)\b.*retrying in (\d+(?:\.\d+)?)s/;
/** The pipeline's phase while it waits for the model. */
const ASKING_PHASE = /\basking\b/;
/** The pipeline's phases that start sandbox work. */
const SANDBOX_PHASE = /sandbox/i;

/**
 * Runs the tasks with bounded concurrency: at most `concurrency` tasks in flight, `llmConcurrency` model
 * calls and `sandboxConcurrency` sandboxes at once across all of them. Tasks finished in an earlier run are
 * taken from the state file; finished tasks are added to it as they end. Never throws for a task's failure.
 */
export async function runBatch(tasks: Task[], settings: BatchSettings, deps: BatchDeps): Promise<BatchRun> {
  const started = Date.now();
  const llmGate = new CallGate(settings.llmConcurrency);
  const sandboxGate = new Semaphore(settings.sandboxConcurrency);
  const results = new Map<string, TaskResult>();
  const live = new Map<string, { usd: number; usage: Usage }>();
  let finishedUsd = 0;
  let finishedUsage: Usage = ZERO_USAGE;
  /** Set once the pipeline reports calls itself: from then on it also takes its own gate places. */
  let pipelineHooks = false;

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
    const slots = new TaskSlots(llmGate, sandboxGate);
    const at = Date.now();
    // Model calls timed from outside, for the fallback records: from the "asking …" phase to the last
    // streamed piece of the reply (or the next phase, when nothing streamed).
    const callMs: number[] = [];
    let askingSince: number | null = null;
    let lastDeltaAt = 0;
    const callEnded = () => {
      if (askingSince !== null) callMs.push((lastDeltaAt > askingSince ? lastDeltaAt : Date.now()) - askingSince);
      askingSince = null;
    };
    let reportedCalls = 0;
    const runsTests = task.spec.run ?? settings.defaults.run ?? settings.runByDefault;
    try {
      if (!pipelineHooks) {
        // The pipeline cannot take gate places yet: hold them for it. A sandbox place is held for the whole
        // task (so sandboxes never exceed their limit); the LLM place until the task reaches its sandbox.
        if (runsTests) await slots.sandbox.hold(taskSignal);
        await slots.llm.hold(taskSignal);
      }
      deps.listener?.started?.(id);
      live.set(id, { usd: 0, usage: ZERO_USAGE });
      const ctx: BatchExecuteContext = {
        ...deps.context,
        signal: taskSignal,
        logger: taskLogger(deps.context.logger, id, (waitMs) => llmGate.backoff(waitMs)),
        onPhase: (text) => {
          callEnded();
          if (ASKING_PHASE.test(text)) askingSince = Date.now();
          if (SANDBOX_PHASE.test(text)) slots.llm.releaseHeld();
        },
        onDelta: () => {
          lastDeltaAt = Date.now();
        },
        onRound: (_round, draft) => {
          live.set(id, { usd: draft.cost?.usd ?? 0, usage: draft.usage ?? ZERO_USAGE });
          reportSpend();
        },
        onCall: (call) => {
          pipelineHooks = true;
          reportedCalls++;
          deps.recorder?.record({ ...call, command: 'batch', task: id });
        },
        gate: slots.gate,
        sandboxGate: slots.sandboxGate,
      };
      const { result } = await deps.execute(requestFor(task, settings, spentUsd()), ctx);
      callEnded();
      if (reportedCalls === 0 && deps.recorder) {
        for (const call of callsFromResult(result, { at, command: 'batch', task: id, callMs })) deps.recorder.record(call);
      }
      return { ...result, id, status: statusOf(result) };
    } catch (err) {
      // Only an abort while waiting for a place gets here: the task never started.
      return notStarted(id, 'interrupted', `not started: ${(err as Error).message}`, 'run the same command again to resume');
    } finally {
      if (timer) clearTimeout(timer);
      slots.releaseAll();
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
  };
}

/** The generate request for one task: the batch's flags, then the task's own options, into its own folder. */
export function requestFor(task: Task, settings: BatchSettings, spentUsd: number): PipelineRequest {
  const { id, prompt, out, ...own } = task.spec;
  const options: PipelineCommandOptions = { ...settings.defaults, ...own, out: resolve(settings.root, out ?? id) };
  if (settings.maxCost !== null) {
    // The pipeline's own check then stops a call that could take the batch past its budget.
    const left = Math.max(0, settings.maxCost - spentUsd);
    options.maxCost = own.maxCost === undefined ? left : Math.min(own.maxCost, left);
  }
  return { command: 'generate', prompt, replyText: null, runDir: null, options };
}

/** A task's messages, marked with its id; a 429 it announces slows the whole batch. */
function taskLogger(base: Logger, id: string, backoff: (waitMs: number) => void): Logger {
  return {
    info: (m) => base.debug(`[${id}] ${m}`),
    warn: (m) => {
      const retry = RETRY_ANNOUNCEMENT.exec(m);
      if (retry) backoff(Number.parseFloat(retry[1]!) * 1000);
      base.warn(`[${id}] ${m}`);
    },
    debug: (m) => base.debug(`[${id}] ${m}`),
    progress: () => {},
  };
}
