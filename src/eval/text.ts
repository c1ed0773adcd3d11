import { formatUsd } from '../cost/money.js';
import type { EvalDocument } from './document.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)}s`);

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The end-of-eval table: one row per target, best pass rate first as given; then what was not scored. */
export function renderEval(doc: EvalDocument): string {
  const rows = doc.targets.map((t) => [
    t.target,
    `${t.solved}/${t.tasks}`,
    pct(t.passRate),
    pct(t.firstTryPassRate),
    pct(t.falseConfidence),
    t.costUsd === null ? 'unknown' : formatUsd(t.costUsd),
    t.costPerSolvedUsd === null ? '-' : formatUsd(t.costPerSolvedUsd),
    secs(t.p50Seconds),
    secs(t.p90Seconds),
    t.roundsMean === null ? '-' : t.roundsMean.toFixed(2),
  ]);
  const table = columns([['target', 'solved', 'pass', 'first try', 'false conf.', 'cost', '$/solved', 'p50', 'p90', 'rounds'], ...rows]);
  const lines = [`${doc.suite.name}: ${doc.suite.tasks} task${doc.suite.tasks === 1 ? '' : 's'} × ${doc.targets.length} target${doc.targets.length === 1 ? '' : 's'}`, '', table];
  const notes: string[] = [];
  for (const t of doc.targets) {
    if (t.errors) notes.push(`${t.target}: ${t.errors} task${t.errors === 1 ? '' : 's'} ended in an error`);
    if (t.skipped) notes.push(`${t.target}: ${t.skipped} task${t.skipped === 1 ? '' : 's'} not run`);
  }
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}
