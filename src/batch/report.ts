import { sumCost } from '../cost/sum.js';
import { formatUsd } from '../cost/money.js';
import { ExitCode } from '../errors.js';
import type { Cost, Usage } from '../types.js';
import { addUsage, ZERO_USAGE } from '../types.js';
import type { BatchRun } from './run-batch.js';
import type { TaskResult, TaskStatus } from './task-result.js';

export interface BatchTotals {
  tasks: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  interrupted: number;
  /** Finished in an earlier run and taken from the state file. */
  resumed: number;
  tests: { passed: number; total: number };
  usage: Usage;
  /** Summed over every task, earlier runs included; null (source "unknown") when any spend had no price. */
  cost: Cost;
  /** Wall time of this run. */
  durationMs: number;
  /** Times a 429 made the whole batch back off. */
  backoffs: number;
  /** The Daytona sandboxes this run created and shared between its tasks; absent when it created none. */
  sandboxes?: { created: number; deleted: number; tasksPerSandbox: number[]; replaced: number };
}

export interface BatchDocument {
  schemaVersion: 1;
  ok: boolean;
  exitCode: number;
  tasks: TaskResult[];
  totals: BatchTotals;
  /** The set-up failure the batch stopped at: the task, and its error. */
  stoppedBy?: { id: string } & NonNullable<TaskResult['error']>;
  /** The part of the tasks file this run covered (`--shard i/n`), and how many tasks the whole file has. */
  shard?: { index: number; count: number; tasksInFile: number };
}

const testTotal = (t: TaskResult) => (t.tests ? t.tests.passed + t.tests.failed + t.tests.errors + t.tests.skipped : 0);

export function batchTotals(run: BatchRun): BatchTotals {
  const count = (s: TaskStatus) => run.tasks.filter((t) => t.status === s).length;
  let usage = ZERO_USAGE;
  let cost: Cost | null = null;
  for (const t of run.tasks) {
    if (t.usage) usage = addUsage(usage, t.usage);
    if (t.cost) cost = sumCost(cost, t.cost);
  }
  return {
    tasks: run.tasks.length,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    skipped: count('skipped'),
    interrupted: count('interrupted'),
    resumed: run.tasks.filter((t) => t.resumed).length,
    tests: {
      passed: run.tasks.reduce((n, t) => n + (t.tests?.passed ?? 0), 0),
      total: run.tasks.reduce((n, t) => n + testTotal(t), 0),
    },
    usage,
    cost: cost ?? { usd: null, source: 'unknown' },
    durationMs: run.durationMs,
    backoffs: run.backoffs,
    ...(run.sandboxes && run.sandboxes.created > 0 ? { sandboxes: run.sandboxes } : {}),
  };
}

/**
 * 0 when every task passed, 1 when any did not; a batch stopped by a set-up failure exits with that failure's
 * code (2 no key or configuration, 3 key refused or model unknown), so CI tells a set-up problem from failing
 * code. An interrupted batch exits as the signal says (set by the CLI).
 */
export function batchExitCode(totals: BatchTotals, stoppedBy: TaskResult | null = null): number {
  if (stoppedBy) return stoppedBy.exitCode;
  return totals.passed === totals.tasks ? ExitCode.ok : ExitCode.testsFailed;
}

export function batchDocument(run: BatchRun): BatchDocument {
  const totals = batchTotals(run);
  const exitCode = batchExitCode(totals, run.stoppedBy ?? null);
  const doc: BatchDocument = { schemaVersion: 1, ok: exitCode === ExitCode.ok, exitCode, tasks: run.tasks, totals };
  if (run.stoppedBy?.error) doc.stoppedBy = { id: run.stoppedBy.id, ...run.stoppedBy.error };
  return doc;
}

const seconds = (ms: number) => (ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s` : `${(ms / 1000).toFixed(1)}s`);

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i <= 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The end-of-batch table: task, status, tests passed/total, rounds, cost, time; then the totals. */
export function renderBatch(doc: BatchDocument): string {
  const rows = doc.tasks.map((t) => [
    t.id,
    t.resumed ? `${t.status} (earlier)` : t.status,
    t.tests?.ran ? `${t.tests.passed}/${testTotal(t)}` : '-',
    String(t.rounds.filter((r) => r.usage !== null).length),
    t.cost ? formatUsd(t.cost.usd) : '-',
    seconds(t.durationMs),
  ]);
  const s = doc.totals;
  const table = columns([['task', 'status', 'tests', 'rounds', 'cost', 'time'], ...rows]);
  const parts = [`${s.passed}/${s.tasks} passed`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.errors) parts.push(`${s.errors} error${s.errors === 1 ? '' : 's'}`);
  if (s.skipped) parts.push(`${s.skipped} skipped`);
  if (s.interrupted) parts.push(`${s.interrupted} interrupted`);
  if (s.resumed) parts.push(`${s.resumed} from an earlier run`);
  const tokens = s.usage.inputTokens + s.usage.cacheReadTokens + s.usage.cacheWriteTokens;
  const totals = [
    parts.join(', '),
    `tests ${s.tests.passed}/${s.tests.total}`,
    `${tokens} in / ${s.usage.outputTokens} out tokens`,
    s.cost.usd === null ? 'cost unknown (some prices unknown)' : formatUsd(s.cost.usd),
    seconds(s.durationMs),
  ];
  const pool = s.sandboxes
    ? `sandboxes: ${s.sandboxes.created} created, ${s.sandboxes.deleted} deleted` +
      `${s.sandboxes.replaced ? ` (${s.sandboxes.replaced} replaced after failing)` : ''} · tasks per sandbox ${s.sandboxes.tasksPerSandbox.join(', ')}`
    : null;
  const failures = doc.tasks
    .filter((t) => t.status !== 'passed' && t.error)
    .map((t) => `  ${t.id}: ${t.error!.message.split('\n')[0]}`);
  return [table, '', `total: ${totals.join(' · ')}`, ...(pool ? [pool] : []), ...(failures.length ? ['', ...failures] : [])].join('\n');
}
