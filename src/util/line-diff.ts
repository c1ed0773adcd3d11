/**
 * A unified-style line diff, small and dependency-free: enough to show a user what a forced overwrite of their
 * file changed. Longest common subsequence over lines, bounded so a huge file cannot take the time or memory of
 * a quadratic table (beyond the bound it says how many lines each side has instead).
 */
const MAX_CELLS = 4_000_000;

export function lineDiff(before: string, after: string, o: { path: string; context?: number; maxLines?: number }): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const head = [`--- ${o.path} (before)`, `+++ ${o.path} (after)`];
  if (a.length * b.length > MAX_CELLS) return [...head, `@@ ${a.length} lines replaced by ${b.length} lines (too large to compare)`].join('\n');
  const ops = diffOps(a, b);
  const context = o.context ?? 2;
  const keep = ops.map((op, i) => op.kind !== ' ' || ops.slice(Math.max(0, i - context), i + context + 1).some((x) => x.kind !== ' '));
  const lines: string[] = [];
  let skipping = false;
  for (const [i, op] of ops.entries()) {
    if (!keep[i]) {
      if (!skipping) lines.push('@@');
      skipping = true;
      continue;
    }
    skipping = false;
    lines.push(`${op.kind}${op.line}`);
  }
  const max = o.maxLines ?? 80;
  const shown = lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more diff lines`] : lines;
  return [...head, ...shown].join('\n');
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function diffOps(a: string[], b: string[]): { kind: ' ' | '-' | '+'; line: string }[] {
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { kind: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      ops.push({ kind: '-', line: a[i++]! });
    } else {
      ops.push({ kind: '+', line: b[j++]! });
    }
  }
  while (i < a.length) ops.push({ kind: '-', line: a[i++]! });
  while (j < b.length) ops.push({ kind: '+', line: b[j++]! });
  return ops;
}
