import { formatUsd } from '../cost/money.js';
import type { SpendRow } from './usage-query.js';

const tokens = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(n));

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The `ptc usage` table: one line per group, then the total and where the dollars came from. */
export function renderSpend(rows: SpendRow[], total: Omit<SpendRow, 'key'>, heading: string, sinceText: string): string {
  if (rows.length === 0) return `no LLM calls recorded ${sinceText}`;
  const line = (key: string, r: Omit<SpendRow, 'key'>) => [
    key,
    String(r.calls),
    tokens(r.usage.inputTokens),
    tokens(r.usage.outputTokens),
    tokens(r.usage.cacheReadTokens + r.usage.cacheWriteTokens),
    formatUsd(r.cost.usd),
  ];
  const table = columns([
    [heading, 'calls', 'input', 'output', 'cache', 'cost'],
    ...rows.map((r) => line(r.key, r)),
    line('total', total),
  ]);
  const notes = [
    `${formatUsd(total.cost.providerUsd)} reported by providers, ${formatUsd(total.cost.catalogUsd)} estimated from the price catalog`,
  ];
  if (total.cost.unpricedCalls > 0) notes.push(`cost unknown: ${total.cost.unpricedCalls} call(s) had no known price`);
  if (total.failedCalls > 0) notes.push(`${total.failedCalls} call(s) failed`);
  return `${table}\n\n${notes.join('; ')} (${sinceText})`;
}
