import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import type { CommandOptions } from '../cli/options.js';
import { configuredSecrets } from '../config/configured-secrets.js';
import { resolveConfig } from '../config/resolve.js';
import { PtcError, UsageError } from '../errors.js';
import { renderError } from '../cli/render-error.js';
import { createHistoryRecorder, historySettings } from '../history/recorder.js';
import { BatchProgress } from '../batch/progress.js';
import { BatchState } from '../batch/state.js';
import { executeRequest, type PipelineCommandOptions } from '../app/execute.js';
import { evalDocument } from '../eval/document.js';
import { recordingProvider, replayingProvider } from '../eval/record.js';
import { renderEvalHtml } from '../eval/report-html.js';
import { runEval, type EvalHooks } from '../eval/run-eval.js';
import { loadSuite, selectTasks } from '../eval/suite.js';
import { parseTargets } from '../eval/targets.js';
import type { Suite } from '../eval/types.js';
import { renderEval } from '../eval/text.js';
import { DEFAULT_CONCURRENCY, gates } from './batch.js';
import { executeContextOf } from './cli-pipeline.js';
import { parseShard, selectShard } from '../batch/shard.js';

/** The option table's eval rows (typed from it), and eval's own options. */
export type EvalCommandOptions = CommandOptions<'eval'> & {
  model?: string[];
  concurrency?: number;
  llmConcurrency?: number;
  sandboxConcurrency?: number;
  out?: string;
  limit?: number;
  tasks?: string;
  shard?: string;
  retryFailed?: boolean;
  report?: string;
  record?: string;
  replay?: string;
};

export const DEFAULT_EVAL_ROOT = 'ptc-eval';

/** `ptc eval <suite> -m provider:model …`: every task through the pipeline per target, scored by hidden tests. */
export async function evalCommand(ctx: CliContext, suiteName: string, opts: EvalCommandOptions): Promise<number> {
  const { io, lifecycle } = ctx;
  const startedAt = new Date();
  const targets = parseTargets(opts.model);
  if (opts.record && opts.replay) throw new UsageError('--record and --replay are alternatives: pick one', { hint: 'record once, then replay as often as you like' });
  let suite: Suite;
  try {
    suite = await loadSuite(suiteName, ctx.cwd);
  } catch (err) {
    if (!(err instanceof PtcError) || !err.message.includes('\n')) throw err;
    // Every bad line of the suite, each on its own line: the error line alone would show only the count.
    renderError(io, err, Boolean(opts.json));
    for (const line of err.message.split('\n').slice(1)) io.note(line);
    return err.exitCode;
  }
  const taskIds = opts.tasks?.split(',').map((s) => s.trim()).filter(Boolean);
  const shard = opts.shard === undefined ? null : parseShard(opts.shard);
  const chosen = selectTasks(suite, { tasks: taskIds, limit: opts.limit });
  // The same split as `ptc batch --shard`: by position among the chosen tasks.
  const tasks = shard ? selectShard(chosen, shard) : chosen;

  const { concurrency = DEFAULT_CONCURRENCY, llmConcurrency, sandboxConcurrency, out, history, maxCost: budget, report, record, replay, limit: _l, tasks: _t, model: _m, json: _j, shard: _s, retryFailed, ...rest } = opts;
  // Every job runs its tests: a hidden test is only a score once it ran.
  const defaults: PipelineCommandOptions = { ...rest, run: true };
  const maxCost = budget ?? null;

  // The rc file is read once, up front: a broken one stops the eval before anything is paid for.
  const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env, flags: { ...defaults, maxCost: maxCost ?? undefined } });
  io.addSecrets(configuredSecrets(cfg));
  for (const w of cfg.warnings) io.logger.warn(w);

  const root = resolve(ctx.cwd, out ?? DEFAULT_EVAL_ROOT);
  const recordDir = record ? resolve(ctx.cwd, record) : null;
  const replayDir = replay ? resolve(ctx.cwd, replay) : null;
  const state = await BatchState.load(root, (t) => io.scrub(t));
  // A replay spends nothing, so it adds nothing to the spend history.
  const recorder = replayDir
    ? null
    : createHistoryRecorder({ env: ctx.env, command: 'eval', settings: historySettings(cfg.file.history, { history }), scrub: (t) => io.scrub(t), logger: io.logger });
  const hooks: EvalHooks = {
    prepare: ({ task, target }, req, execCtx) => ({
      // The hidden tests travel in memory; the pipeline keeps them out of every model request.
      req: { ...req, userTests: { acceptance: [], hidden: task.hidden }, contextFiles: task.context },
      ctx: {
        ...execCtx,
        ...(recordDir ? { wrapProvider: recordingProvider(recordDir, target.slug, task.id, (t) => io.scrub(t)) } : {}),
        ...(replayDir ? { replayProvider: replayingProvider(replayDir, target.slug, task.id) } : {}),
      },
    }),
  };

  const progress = new BatchProgress(io, tasks.length * targets.length);
  const run = await runEval(
    tasks,
    targets,
    {
      root,
      ...gates({ concurrency, llmConcurrency, sandboxConcurrency }),
      maxCost,
      defaults,
      runByDefault: true,
      retryFailed: Boolean(retryFailed),
    },
    {
      execute: executeRequest,
      hooks,
      context: {
        ...executeContextOf(ctx),
        configSources: cfg,
      },
      state,
      recorder: recorder && { record: (call) => recorder.record({ ...call, command: 'eval' }), flush: () => recorder.flush() },
      listener: progress,
    },
  );
  progress.stop();
  await recorder?.flush();

  const doc = evalDocument(run, {
    suite: { name: suite.name, source: suite.source, tasks: tasks.length },
    startedAt,
    settings: {
      fix: cfg.settings.fix.value,
      sandbox: cfg.settings.sandbox.value,
      concurrency,
      maxCost,
      limit: opts.limit ?? null,
      shard: shard ? `${shard.index}/${shard.count}` : null,
      tasks: taskIds ?? null,
      record: record ?? null,
      replay: replay ?? null,
    },
  });
  if (lifecycle.signalExitCode !== null) {
    doc.exitCode = lifecycle.signalExitCode;
    doc.ok = false;
  }
  if (report) {
    await writeFile(resolve(ctx.cwd, report), io.scrub(renderEvalHtml(doc)));
    io.logger.info(`report: ${report}`);
  }
  if (opts.json) io.print(JSON.stringify(doc, null, 2));
  else io.print(renderEval(doc));
  if (!doc.ok && !opts.json) io.note(`${io.err.dim('hint:')} run the same command again to go on: finished tasks are recorded in ${state.path}`);
  return doc.exitCode;
}
