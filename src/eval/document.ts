import { ExitCode } from '../errors.js';
import type { EvalRun } from './run-eval.js';
import type { TargetScore, TaskScore } from './score.js';

/** The settings a report shows, so a result can be read (and re-run) on its own. */
export interface EvalSettingsView {
  fix: number;
  sandbox: string;
  concurrency: number;
  maxCost: number | null;
  limit: number | null;
  /** `--shard i/n`, when this run was one part of a split eval. */
  shard: string | null;
  tasks: string[] | null;
  record: string | null;
  replay: string | null;
}

/** `ptc eval --json`: one document, schemaVersion 1. */
export interface EvalDocument {
  schemaVersion: 1;
  ok: boolean;
  exitCode: number;
  command: 'eval';
  suite: { name: string; source: string; tasks: number };
  startedAt: string;
  durationMs: number;
  settings: EvalSettingsView;
  targets: TargetScore[];
  tasks: { id: string; results: TaskScore[] }[];
  /** Times a 429 made the whole eval back off. */
  backoffs: number;
}

/**
 * 0 when every task was scored for every target, solved or not (a model's failures are the measurement);
 * 1 when some were never scored: the budget ran out, or a provider or sandbox error stopped them.
 */
export function evalExitCode(run: EvalRun): number {
  const unscored = run.raw.some((r) => r.status === 'skipped' || r.status === 'interrupted' || (r.status === 'error' && r.exitCode !== ExitCode.reply));
  return unscored ? ExitCode.testsFailed : ExitCode.ok;
}

export function evalDocument(
  run: EvalRun,
  o: { suite: EvalDocument['suite']; startedAt: Date; settings: EvalSettingsView },
): EvalDocument {
  const exitCode = evalExitCode(run);
  return {
    schemaVersion: 1,
    ok: exitCode === ExitCode.ok,
    exitCode,
    command: 'eval',
    suite: o.suite,
    startedAt: o.startedAt.toISOString(),
    durationMs: run.durationMs,
    settings: o.settings,
    targets: run.targets,
    tasks: run.tasks,
    backoffs: run.backoffs,
  };
}
