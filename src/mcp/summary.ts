import { formatUsd } from '../cost/money.js';
import { ExitCode } from '../errors.js';
import type { Result } from '../report/result-schema.js';

/**
 * What an agent reads first: a few lines saying what happened, before the JSON. Agents that only read text
 * content (ROMA hands the text to its model) get the gist without parsing, and the JSON stays for those that do.
 */
export function resultSummary(r: Result): string {
  const lines = [headline(r)];
  if (r.outDir) lines.push(`outDir: ${r.outDir}`);
  if (r.files.length > 0) {
    const names = r.files.slice(0, 8).map((f) => f.path);
    lines.push(`files: ${names.join(', ')}${r.files.length > names.length ? `, … (${r.files.length} in all)` : ''}`);
  }
  const failing = (r.tests?.cases ?? []).filter((c) => c.status === 'failed' || c.status === 'error').slice(0, 5);
  for (const c of failing) lines.push(`failed: ${c.name}${c.message ? ` — ${firstLine(c.message)}` : ''}`);
  if (r.error && r.exitCode !== ExitCode.testsFailed) {
    lines.push(`error ${r.error.code}: ${r.error.message}`);
    if (r.error.hint) lines.push(`hint: ${r.error.hint}`);
    lines.push(`retryable: ${r.error.retryable}`);
  }
  if (r.cost?.usd != null) lines.push(`cost: ${formatUsd(r.cost.usd)}`);
  return lines.join('\n');
}

function headline(r: Result): string {
  const t = r.tests;
  const counts = t?.ran ? `${t.passed} passed, ${t.failed} failed${t.errors ? `, ${t.errors} errors` : ''}` : null;
  if (r.ok) return `${r.command}: ok${counts ? ` — tests ${counts}` : r.dryRun ? ' (dry run: nothing written)' : ''}`;
  if (r.exitCode === ExitCode.testsFailed) return `${r.command}: done, tests failed — ${counts ?? 'no tests collected'} (exitCode 1)`;
  return `${r.command}: could not finish (exitCode ${r.exitCode})`;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 160);
}
