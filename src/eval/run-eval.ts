import { createHash } from 'node:crypto';
import type { Executed, ExecuteContext, PipelineRequest } from '../app/execute.js';
import { runBatch, type BatchDeps, type BatchSettings } from '../batch/run-batch.js';
import type { TaskResult } from '../batch/task-result.js';
import type { Task, TaskSpec } from '../batch/tasks.js';
import { scoreTarget, scoreTask, type TargetScore, type TaskScore } from './score.js';
import type { EvalTask, Target } from './types.js';

/** One target's go at one task: a batch task of its own, in `<root>/<target slug>/<task id>`. */
export interface EvalJob {
  task: EvalTask;
  target: Target;
}

export interface EvalHooks {
  /** Adds what a batch line cannot carry to a job's request and context: hidden tests, record or replay. */
  prepare(job: EvalJob, req: PipelineRequest, ctx: ExecuteContext): { req: PipelineRequest; ctx: ExecuteContext };
}

export interface EvalRun {
  targets: TargetScore[];
  /** In the suite's order; each with every target's score, in the targets' order. */
  tasks: { id: string; results: TaskScore[] }[];
  /** The batch results behind the scores, for callers that want the whole pipeline result. */
  raw: TaskResult[];
  durationMs: number;
  backoffs: number;
}

/**
 * Every task for every target through the batch runner (its limits, shared back-off, budget, resume state and
 * spend history), then each result scored against the task's hidden tests.
 */
export async function runEval(
  tasks: EvalTask[],
  targets: Target[],
  settings: BatchSettings,
  deps: BatchDeps & { hooks: EvalHooks },
): Promise<EvalRun> {
  const jobs = new Map<string, EvalJob>();
  const batchTasks: Task[] = [];
  // Task-major order: the targets advance together, so a stopped eval still compares them on the same tasks.
  for (const task of tasks) {
    for (const target of targets) {
      const job = { task, target };
      // The id is also the job's folder under the root (the batch's default), so a rerun may replace its files.
      const spec = {
        id: `${target.slug}/${task.id}`,
        prompt: task.prompt,
        provider: target.provider,
        model: target.model,
        lang: task.lang,
        run: true,
      } as TaskSpec;
      jobs.set(spec.id, job);
      batchTasks.push({ spec, line: batchTasks.length + 1, fingerprint: fingerprintOf(spec, task) });
    }
  }
  const run = await runBatch(batchTasks, settings, {
    ...deps,
    execute: async (req, ctx, task): Promise<Executed> => {
      const job = jobs.get(task.spec.id)!;
      const prepared = deps.hooks.prepare(job, req, ctx);
      return deps.execute(prepared.req, prepared.ctx, task);
    },
  });

  const byId = new Map(run.tasks.map((r) => [r.id, r]));
  const perTask = tasks.map((task) => ({
    id: task.id,
    results: targets.map((target) => scoreTask(target, byId.get(`${target.slug}/${task.id}`)!)),
  }));
  const scores = targets.map((target, i) =>
    scoreTarget(
      target,
      tasks.map((task) => byId.get(`${target.slug}/${task.id}`)!),
      perTask.map((t) => t.results[i]!),
    ),
  );
  return { targets: scores, tasks: perTask, raw: run.tasks, durationMs: run.durationMs, backoffs: run.backoffs };
}

/** A task reruns on resume when its prompt, target, or any hidden or context file changed. */
function fingerprintOf(spec: TaskSpec, task: EvalTask): string {
  const h = createHash('sha256').update(JSON.stringify(spec));
  for (const f of [...task.hidden, ...task.context]) h.update(`\0${f.path}\0${f.content}`);
  return h.digest('hex').slice(0, 16);
}
