import { relative } from 'node:path';
import { formatUsd } from '../cost/money.js';
import { JAIL_ROOT } from '../sandbox/isolation.js';
import type { Colors } from '../ui/color.js';
import { failureMessage } from './build.js';
import type { Result } from './result-schema.js';

export interface RenderOptions {
  color: Colors;
  planText: string | null;
  cwd?: string;
}

const MAX_FAILURES_SHOWN = 10;

const ORIGIN_LABEL = { generated: "model's tests", acceptance: 'your acceptance', hidden: 'your hidden' } as const;

/** The human report: files, tests with a short table of failures, tokens and cost. Renders the same Result as --json. */
export function renderResult(r: Result, o: RenderOptions): string {
  const c = o.color;
  const lines: string[] = [];
  const where = r.outDir ? displayPath(r.outDir, o.cwd ?? process.cwd()) : null;

  if (r.dryRun) {
    lines.push(c.bold(`dry run: nothing written${where ? ` (would write to ${where})` : ''}`));
    if (o.planText) lines.push(o.planText);
  } else if (r.command !== 'run' && r.files.length > 0 && !(r.error && r.error.code === 'overwrite_refused')) {
    lines.push(`${c.green('✔')} wrote ${r.files.length} file${r.files.length === 1 ? '' : 's'} to ${where}`);
    const width = Math.max(...r.files.map((f) => f.path.length));
    for (const f of r.files) lines.push(`  ${c.dim(f.kind.padEnd(5))} ${f.path.padEnd(width)}  ${c.dim(size(f.bytes))}`);
  }

  const t = r.tests;
  if (t?.ran) {
    const total = t.passed + t.failed + t.errors + t.skipped;
    const counts = [
      c.green(`${t.passed} passed`),
      t.failed ? c.red(`${t.failed} failed`) : `${t.failed} failed`,
      t.errors ? c.red(`${t.errors} errors`) : null,
      t.skipped ? c.yellow(`${t.skipped} skipped`) : null,
    ].filter(Boolean);
    lines.push(`tests (${t.sandbox}): ${counts.join(', ')} of ${total} in ${(t.durationMs / 1000).toFixed(1)}s`);
    if (t.install && t.install.packages.length > 0) {
      lines.push(`  dependencies ${t.install.ok ? 'ready' : c.red('not available')}: ${t.install.packages.join(' ')}`);
    }
    const by = t.byOrigin;
    const userTests = by && by.acceptance.total + by.hidden.total > 0;
    if (by && userTests) {
      for (const origin of ['generated', 'acceptance', 'hidden'] as const) {
        const s = by[origin];
        if (s.total === 0 && origin !== 'generated') continue;
        const bad = s.failed + s.errors;
        const counts = [`${s.passed} passed`, bad ? c.red(`${bad} failed`) : null, s.skipped ? `${s.skipped} skipped` : null].filter(Boolean);
        lines.push(`  ${ORIGIN_LABEL[origin].padEnd(16)} ${counts.join(', ')} of ${s.total}`);
      }
      const failed = by.acceptance.failed + by.acceptance.errors + by.hidden.failed + by.hidden.errors;
      if (failed > 0) lines.push(`  ${c.red('✗')} ${failureMessage(t)}`);
    }
    if (t.problem) lines.push(`  ${c.red('✗')} ${t.problem}`);
    const failing = t.cases.filter((x) => x.status === 'failed' || x.status === 'error');
    for (const f of failing.slice(0, MAX_FAILURES_SHOWN)) {
      const mark = userTests && f.origin && f.origin !== 'generated' ? c.dim(` [${f.origin}]`) : '';
      const item = `  ${c.red('✗')} ${f.name}${f.file ? c.dim(` (${f.file})`) : ''}${mark}`;
      if (f.status === 'error') {
        // A file that did not load: why is in the error's own first lines (the SyntaxError and its caret).
        const { heading, body } = loadError(f.message ?? '');
        lines.push(heading ? `${item} ${heading}` : item);
        for (const l of body) lines.push(`      ${c.dim(l)}`);
        continue;
      }
      const first = summaryLine(f.message ?? '');
      lines.push(item);
      if (first) lines.push(`      ${c.dim(first.trim().slice(0, 160))}`);
    }
    if (failing.length > MAX_FAILURES_SHOWN) lines.push(c.dim(`  …and ${failing.length - MAX_FAILURES_SHOWN} more`));
  }

  if (r.candidates && r.candidates.length > 1) {
    const won = r.candidates.find((x) => x.outcome === 'won');
    const others = r.candidates.filter((x) => x !== won).map((x) => `#${x.index} ${x.outcome}`);
    lines.push(c.dim(`candidates: kept #${won?.index ?? '-'} of ${r.candidates.length}${others.length ? ` (${others.join(', ')})` : ''}`));
  }

  if (r.rounds.length > 1 || r.stopReason) {
    if (r.stopReason) lines.push(c.dim(`repair: ${r.stopReason}`));
  }

  if (r.usage) {
    const u = r.usage;
    const cache = u.cacheReadTokens || u.cacheWriteTokens ? ` · cache ${u.cacheReadTokens} read / ${u.cacheWriteTokens} written` : '';
    const cost =
      r.cost?.usd != null
        ? `${formatUsd(r.cost.usd)}${r.cost.source === 'catalog' ? c.dim(' (catalog estimate)') : c.dim(' (billed by provider)')}`
        : 'cost unknown';
    const calls = r.rounds.filter((x) => x.usage).length;
    const thought = u.reasoningTokens ? ` (${u.reasoningTokens} thinking)` : '';
    lines.push(`${r.provider}/${r.model}: ${u.inputTokens} in · ${u.outputTokens} out${thought}${cache} · ${cost}${calls > 1 ? c.dim(` over ${calls} calls`) : ''}`);
  }
  return lines.join('\n');
}

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  if (rel === '') return '.';
  return rel.startsWith('..') ? abs : `./${rel}`;
}

const LOAD_ERROR_LINES = 5;
const LOAD_ERROR_HEADINGS = new Set(['collection failure']);

/**
 * A load error (pytest's collection failure, a module that fails to import or compile) as a heading for the
 * item's line and its first few lines, indentation kept so a caret still points at its column. The sandbox's
 * own folder is left out of file names: the user knows the files by their paths in the project.
 */
function loadError(message: string): { heading: string | null; body: string[] } {
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  const heading = lines[0] && LOAD_ERROR_HEADINGS.has(lines[0].trim()) ? lines.shift()!.trim() : null;
  const body = lines.slice(0, LOAD_ERROR_LINES).map((l) => l.replaceAll(`"${JAIL_ROOT}/`, '"').trimEnd().slice(0, 160));
  return { heading, body };
}

/** A failure's message in one line: its first line, with pytest's `where` explanation when there is one. */
function summaryLine(message: string): string {
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  const first = lines[0]?.trim() ?? '';
  const where = lines[1]?.trim();
  // `assert False` says little; `+  where False = is_prime(2)` says which call.
  return where && /^\+\s+where /.test(where) ? `${first}  (${where.replace(/^\+\s+/, '')})` : first;
}
