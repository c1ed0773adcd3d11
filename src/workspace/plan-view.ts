/** The plan as text, for `--dry-run`: what would be written where, what is refused, what would be overwritten. */
import { unifiedDiff } from './unified-diff.js';
import type { WritePlan } from './write.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const ACTION_LABEL = { create: 'create', overwrite: 'overwrite', unchanged: 'unchanged' } as const;

export function renderPlan(plan: WritePlan): string {
  const out: string[] = [];
  const total = plan.files.reduce((sum, f) => sum + f.bytes, 0);
  const count = plan.files.length;
  out.push(`Would write ${count} file${count === 1 ? '' : 's'} (${formatBytes(total)}) to ${plan.outDir}:`);
  const pathWidth = Math.min(60, Math.max(4, ...plan.files.map((f) => f.path.length)));
  for (const f of plan.files) {
    const action = plan.conflicts.includes(f.path) && !plan.force ? 'conflict' : ACTION_LABEL[f.action];
    out.push(`  ${action.padEnd(9)}  ${f.kind.padEnd(5)}  ${f.path.padEnd(pathWidth)}  ${formatBytes(f.bytes).padStart(8)}`);
  }
  if (plan.refused.length > 0) {
    out.push('', `Refused (${plan.refused.length}):`);
    for (const r of plan.refused) out.push(`  ${JSON.stringify(r.path)}: ${r.reason}`);
  }
  if (plan.conflicts.length > 0) {
    out.push(
      '',
      plan.force
        ? `Would overwrite (--force): ${plan.conflicts.join(', ')}`
        : `Already exist with other content (nothing would be written without --force): ${plan.conflicts.join(', ')}`,
    );
  }
  // The content itself: new files whole, replaced ones as a diff against what is there now.
  for (const f of plan.files) {
    if (f.action === 'unchanged') continue;
    const before = f.action === 'create' ? null : f.previous;
    if (before === undefined) continue;
    out.push('', before === null && f.action === 'overwrite' ? `(${f.path}: the file there is too large to compare)` : visible(unifiedDiff(f.path, before, f.content)));
  }
  return out.join('\n');
}

/** A model's text, safe to print on a terminal: control characters (escape sequences) shown, not obeyed. */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
