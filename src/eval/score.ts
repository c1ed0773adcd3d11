import { sumCost } from '../cost/sum.js';
import type { Result } from '../report/result-schema.js';
import type { TaskResult } from '../batch/task-result.js';
import { addUsage, ZERO_USAGE, type Usage } from '../types.js';
import type { Target } from './types.js';

/**
 * solved: the hidden tests ran and all passed; failed: the run ended but the hidden tests did not all pass;
 * error: the task could not be done (no usable reply, provider or sandbox error); skipped: never started (the
 * eval's budget was spent); interrupted: stopped by a signal.
 */
export type Outcome = 'solved' | 'failed' | 'error' | 'skipped' | 'interrupted';

/** One target's go at one task. */
export interface TaskScore {
  target: string;
  outcome: Outcome;
  /** The model's own tests ran and all passed (null: none ran). */
  ownTestsPassed: boolean | null;
  hidden: { passed: number; total: number };
  /** Solved before any repair round. */
  firstTry: boolean;
  /** Model calls made (1 + repair rounds). */
  rounds: number;
  costUsd: number | null;
  seconds: number;
  /** Why it was not solved, when the run itself failed. */
  error: { code: string; message: string } | null;
  /** Finished in an earlier run of the same eval and taken from its state. */
  resumed: boolean;
}

export interface TargetScore {
  target: string;
  provider: string;
  model: string;
  tasks: number;
  solved: number;
  passRate: number;
  firstTryPassRate: number;
  /** Share of the tasks whose own tests passed while the hidden tests failed. */
  falseConfidence: number;
  errors: number;
  skipped: number;
  usage: Usage;
  /** null when some spend had no price. */
  costUsd: number | null;
  /** null when nothing was solved (or the cost is unknown): never infinite. */
  costPerSolvedUsd: number | null;
  p50Seconds: number | null;
  p90Seconds: number | null;
  roundsMean: number | null;
}

type Counts = { passed: number; failed: number; errors: number; skipped: number; total: number };
type ByOrigin = { generated?: Counts; acceptance?: Counts; hidden?: Counts };

/** The per-origin counts the pipeline reports (`tests.byOrigin`); absent on a result without tests. */
function byOriginOf(tests: unknown): ByOrigin | null {
  return ((tests as { byOrigin?: ByOrigin } | null | undefined)?.byOrigin ?? null) as ByOrigin | null;
}

const allPassed = (c: Counts | undefined): boolean => !!c && c.total > 0 && c.failed === 0 && c.errors === 0 && c.passed > 0;

export function scoreTask(target: Target, r: TaskResult): TaskScore {
  const origins = byOriginOf(r.tests);
  const hidden = origins?.hidden;
  const solved = allPassed(hidden);
  const ran = r.tests?.ran === true;
  const rounds = r.rounds.filter((x) => x.usage !== null).length;
  let outcome: Outcome;
  if (solved) outcome = 'solved';
  else if (r.status === 'skipped' || r.status === 'interrupted') outcome = r.status;
  else if (r.status === 'error' && !ran) outcome = 'error';
  else outcome = 'failed';
  return {
    target: target.name,
    outcome,
    ownTestsPassed: origins?.generated && origins.generated.total > 0 ? allPassed(origins.generated) : null,
    hidden: { passed: hidden?.passed ?? 0, total: hidden?.total ?? 0 },
    firstTry: solved && firstRoundSolved(r, rounds),
    rounds,
    costUsd: r.cost?.usd ?? null,
    seconds: r.durationMs / 1000,
    error: outcome === 'solved' || !r.error ? null : { code: r.error.code, message: r.error.message.split('\n')[0]! },
    resumed: Boolean(r.resumed),
  };
}

/** The first round's own hidden counts when it kept them; else a task solved in one call was solved first try. */
function firstRoundSolved(r: Result, rounds: number): boolean {
  const first = byOriginOf(r.rounds[0]?.tests)?.hidden;
  return first ? allPassed(first) : rounds <= 1;
}

/** Nearest-rank percentile of a sorted list. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const ratio = (n: number, d: number) => (d === 0 ? 0 : round(n / d, 4));
const round = (x: number, digits: number) => Number(x.toFixed(digits));

export function scoreTarget(target: Target, results: TaskResult[], scores: TaskScore[]): TargetScore {
  const ran = scores.filter((s) => s.outcome !== 'skipped' && s.outcome !== 'interrupted');
  const solved = scores.filter((s) => s.outcome === 'solved').length;
  let usage = ZERO_USAGE;
  let cost = null as ReturnType<typeof sumCost> | null;
  for (const r of results) {
    if (r.usage) usage = addUsage(usage, r.usage);
    if (r.cost) cost = sumCost(cost, r.cost);
  }
  const costUsd = cost === null ? 0 : cost.usd;
  const times = ran.map((s) => s.seconds).sort((a, b) => a - b);
  return {
    target: target.name,
    provider: target.provider,
    model: target.model,
    tasks: scores.length,
    solved,
    passRate: ratio(solved, scores.length),
    firstTryPassRate: ratio(scores.filter((s) => s.firstTry).length, scores.length),
    falseConfidence: ratio(scores.filter((s) => s.ownTestsPassed === true && s.outcome !== 'solved').length, scores.length),
    errors: scores.filter((s) => s.outcome === 'error').length,
    skipped: scores.filter((s) => s.outcome === 'skipped' || s.outcome === 'interrupted').length,
    usage,
    costUsd,
    costPerSolvedUsd: solved > 0 && costUsd !== null ? round(costUsd / solved, 6) : null,
    p50Seconds: nullable(percentile(times, 50)),
    p90Seconds: nullable(percentile(times, 90)),
    roundsMean: ran.length === 0 ? null : round(ran.reduce((n, s) => n + s.rounds, 0) / ran.length, 2),
  };
}

const nullable = (x: number | null) => (x === null ? null : round(x, 2));
