import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import type { CommandOptions } from '../cli/options.js';
import { renderError, renderErrorLines } from '../cli/render-error.js';
import { configuredSecrets } from '../config/configured-secrets.js';
import { resolveConfig } from '../config/resolve.js';
import { PtcError, toPtcError, UsageError } from '../errors.js';
import { createHistoryRecorder, historySettings } from '../history/recorder.js';
import type { Logger } from '../types.js';
import { BatchProgress } from '../batch/progress.js';
import { untilAborted } from '../util/abortable.js';
import { batchDocument, renderBatch } from '../batch/report.js';
import { runBatch } from '../batch/run-batch.js';
import { BatchState } from '../batch/state.js';
import { invalidTasksError, parseTasks } from '../batch/tasks.js';
import { mergeReports } from '../batch/merge.js';
import { preflightTasks } from '../batch/preflight-tasks.js';
import { parseShard, selectShard } from '../batch/shard.js';
import { executeRequest, type PipelineCommandOptions } from '../app/execute.js';
import { executeContextOf, readStdin } from './cli-pipeline.js';
import { problemOf } from '../util/regular-file.js';

/** The option table's batch rows, and batch's own: the root of the tasks' folders and the limits. */
export interface BatchCommandOptions extends CommandOptions<'batch'> {
  out?: string;
  concurrency?: number;
  llmConcurrency?: number;
  sandboxConcurrency?: number;
  jsonl?: boolean;
  retryFailed?: boolean;
  shard?: string;
}

export const DEFAULT_CONCURRENCY = 4;

/** A batch's (or an eval's) limits: model calls and sandboxes in flight default to the tasks in flight. */
export function gates(o: { concurrency: number; llmConcurrency?: number; sandboxConcurrency?: number }) {
  return { concurrency: o.concurrency, llmConcurrency: o.llmConcurrency ?? o.concurrency, sandboxConcurrency: o.sandboxConcurrency ?? o.concurrency };
}

export const DEFAULT_BATCH_ROOT = 'ptc-batch';

/** `ptc batch <tasks.jsonl | ->`: every task through the generate pipeline, bounded, resumable, one report. */
export async function batchCommand(ctx: CliContext, source: string, opts: BatchCommandOptions): Promise<number> {
  const { io, lifecycle } = ctx;
  if (opts.json && opts.jsonl) throw new UsageError('--json and --jsonl are alternatives: pick one');
  const text = await readTasksText(ctx, source);
  const { tasks: allTasks, errors } = parseTasks(text);
  const name = source === '-' ? 'stdin' : source;
  if (errors.length > 0) {
    const error = invalidTasksError(name, errors);
    renderError(io, error, Boolean(opts.json));
    for (const line of error.message.split('\n').slice(1)) io.note(line);
    return error.exitCode;
  }
  if (allTasks.length === 0) throw new UsageError(`${name} holds no tasks`, { hint: 'one task a line: {"id": "prime", "prompt": "a function that checks if a number is prime"}' });
  const shard = opts.shard === undefined ? null : parseShard(opts.shard);
  const tasks = shard ? selectShard(allTasks, shard) : allTasks;

  const { concurrency = DEFAULT_CONCURRENCY, llmConcurrency, sandboxConcurrency, jsonl, history, out, retryFailed, shard: _shard, ...rest } = opts;
  for (const [flag, n] of [['--concurrency', concurrency], ['--llm-concurrency', llmConcurrency], ['--sandbox-concurrency', sandboxConcurrency]] as const) {
    if (n !== undefined && !Number.isInteger(n)) throw new UsageError(`${flag} must be a whole number ≥ 1, got ${n}`);
  }
  const defaults: PipelineCommandOptions = { ...rest };
  delete defaults.json;
  const maxCost = opts.maxCost ?? null;
  delete defaults.maxCost; // the batch's budget, shared out by runBatch

  // Read the configuration once up front, so a broken rc file stops the batch before any task starts.
  const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env, flags: { ...defaults, maxCost: maxCost ?? undefined } });
  io.addSecrets(configuredSecrets(cfg));
  for (const w of cfg.warnings) io.logger.warn(w);

  const root = resolve(ctx.cwd, out ?? DEFAULT_BATCH_ROOT);
  const state = await BatchState.load(root, (t) => io.scrub(t));

  // Before any task, and before anything is paid for: keys, the output root, the sandboxes the tasks need.
  const toRun = tasks.filter((t) => !state.standing(t.spec.id, t.fingerprint, { retryFailed }));
  try {
    await preflightTasks(toRun, { root, defaults, cwd: ctx.cwd, env: ctx.env, sources: cfg });
  } catch (err) {
    const error = toPtcError(err);
    renderError(io, error, Boolean(opts.json));
    io.note(`${io.err.dim('note:')} nothing was sent to the model and no task was recorded`);
    return error.exitCode;
  }
  const recorder = createHistoryRecorder({
    env: ctx.env,
    command: 'batch',
    settings: historySettings(cfg.file.history, { history }),
    scrub: (t) => io.scrub(t),
    logger: io.logger,
  });
  const progress = new BatchProgress(io, tasks.length);
  const run = await runBatch(
    tasks,
    {
      root,
      ...gates({ concurrency, llmConcurrency, sandboxConcurrency }),
      maxCost,
      defaults,
      runByDefault: cfg.settings.run.value,
      retryFailed: Boolean(retryFailed),
    },
    {
      execute: executeRequest,
      context: {
        ...executeContextOf(ctx),
        logger: onceEach(io.logger, new Set(cfg.warnings)),
        // Every task resolves its options over the files read here, once, instead of reading them again.
        configSources: cfg,
        // A task line's tests and context stay inside the folder the batch runs in: a tasks file may come from anywhere.
        confineInputsTo: ctx.cwd,
      },
      state,
      recorder,
      listener: {
        started: (id) => progress.started(id),
        spent: (usd, tokens) => progress.spent(usd, tokens),
        finished: (task) => {
          progress.finished(task);
          if (jsonl) io.print(JSON.stringify(task));
        },
      },
    },
  );
  progress.stop();
  await recorder?.flush();

  const doc = batchDocument(run);
  if (shard) doc.shard = { ...shard, tasksInFile: allTasks.length };
  if (lifecycle.signalExitCode !== null) {
    doc.exitCode = lifecycle.signalExitCode;
    doc.ok = false;
  }
  if (opts.json) io.print(JSON.stringify(doc, null, 2));
  else if (jsonl) io.print(JSON.stringify({ schemaVersion: doc.schemaVersion, ok: doc.ok, exitCode: doc.exitCode, totals: doc.totals }));
  else io.print(renderBatch(doc));
  if (run.stoppedBy?.error) {
    const e = run.stoppedBy.error;
    renderErrorLines(io, { message: `the batch stopped at task ${run.stoppedBy.id}: ${e.message}`, hint: e.hint });
    io.note(`${io.err.dim('note:')} tasks not started are not recorded: fix this and run the same command again`);
  } else if (doc.totals.interrupted > 0 || doc.totals.skipped > 0) {
    io.note(`${io.err.dim('hint:')} run the same command again to go on: finished tasks are recorded in ${state.path}`);
  }
  return doc.exitCode;
}

async function readTasksText(ctx: CliContext, source: string): Promise<string> {
  if (source === '-') {
    if (ctx.stdinIsTTY) throw new UsageError('"-" reads tasks from stdin, but stdin is a terminal', { hint: 'ptc batch tasks.jsonl  (or pipe the tasks in)' });
    return readStdin(ctx.stdin, ctx.lifecycle.signal);
  }
  try {
    return await untilAborted(readFile(resolve(ctx.cwd, source), 'utf8'), ctx.lifecycle.signal);
  } catch (err) {
    if (err instanceof PtcError) throw err; // interrupted while reading
    throw new UsageError(`cannot read ${source}: ${problemOf(err).reason}`, {
      hint: 'give a JSONL file with one task a line, or "-" to read stdin',
    });
  }
}

/** Many tasks say the same thing (an unpriced model, a config warning): say each warning once. */
function onceEach(logger: Logger, alreadySaid: Set<string>): Logger {
  return {
    ...logger,
    warn: (m) => {
      const bare = m.replace(/^\[[^\]]+\] /, '');
      if (alreadySaid.has(bare)) return;
      alreadySaid.add(bare);
      logger.warn(m);
    },
  };
}

/** `ptc batch merge <report.json...>`: the reports of a batch's shards as one, checked to be disjoint. */
export async function batchMergeCommand(ctx: CliContext, files: string[], own: { json?: boolean }, cmd?: Command): Promise<number> {
  const { io } = ctx;
  // `--json` after the files is taken by the parent `batch`, which declares it too.
  const opts = { ...(cmd?.optsWithGlobals() ?? {}), ...own } as { json?: boolean };
  const reports = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(resolve(ctx.cwd, file), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        hint: 'give the files `ptc batch … --shard i/n --json > shard-i.json` wrote',
      });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new UsageError(`${file} is not JSON`, { code: 'batch_merge_invalid', hint: 'give the files `ptc batch … --json` wrote' });
    }
    reports.push({ name: file, doc });
  }
  const { doc, warnings } = mergeReports(reports);
  for (const w of warnings) io.logger.warn(w);
  io.print(opts.json ? JSON.stringify(doc, null, 2) : renderBatch(doc));
  return doc.exitCode;
}
