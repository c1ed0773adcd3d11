import { formatUsd } from '../cost/money.js';
import type { EvalDocument } from './document.js';
import type { Outcome } from './score.js';

/**
 * `--report x.html`: one self-contained page (styles inline, the chart as inline SVG, no script, and a policy
 * that forbids loading anything), so it opens from a CI artifact with no network. Every text from the run is
 * escaped: task ids, model names and error messages are data, never markup.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const MARK: Record<Outcome, { glyph: string; label: string }> = {
  solved: { glyph: '✓', label: 'solved' },
  failed: { glyph: '✗', label: 'hidden tests failed' },
  error: { glyph: '!', label: 'error' },
  skipped: { glyph: '–', label: 'not run (budget)' },
  interrupted: { glyph: '–', label: 'interrupted' },
};

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/** Pass rate (up) against cost per solved task (right): one mark per target; one that solved nothing sits at the right edge, hollow. */
function chart(doc: EvalDocument): string {
  const W = 640;
  const H = 360;
  const pad = { l: 56, r: 24, t: 28, b: 44 }; // room above the 100% line for a label
  const costs = doc.targets.map((t) => t.costPerSolvedUsd).filter((c): c is number => c !== null);
  const maxCost = Math.max(...costs, 0) * 1.15 || 1;
  const x = (c: number | null) => pad.l + ((c ?? maxCost) / maxCost) * (W - pad.l - pad.r);
  const y = (rate: number) => H - pad.b - rate * (H - pad.t - pad.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((r) => `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(r)}" y2="${y(r)}" class="grid"/><text x="${pad.l - 8}" y="${y(r) + 4}" text-anchor="end">${r * 100}%</text>`)
    .join('');
  const xTicks = [0, 0.5, 1]
    .map((f) => `<text x="${x(maxCost * f)}" y="${H - pad.b + 18}" text-anchor="middle">${esc(formatUsd(maxCost * f))}</text>`)
    .join('');
  const marks = doc.targets
    .map((t, i) => {
      const color = COLORS[i % COLORS.length]!;
      const cx = x(t.costPerSolvedUsd);
      const cy = y(t.passRate);
      const fill = t.costPerSolvedUsd === null ? 'none' : color;
      const title = `${t.target}: ${pct(t.passRate)} solved, ${t.costPerSolvedUsd === null ? 'no solved task' : `${formatUsd(t.costPerSolvedUsd)} per solved task`}`;
      return (
        `<g class="mark" data-target="${esc(t.target)}"><circle cx="${cx}" cy="${cy}" r="7" fill="${fill}" stroke="${color}" stroke-width="2"><title>${esc(title)}</title></circle>` +
        `<text x="${cx - 10}" y="${cy - 11}" text-anchor="end">${esc(t.target)}</text></g>`
      );
    })
    .join('');
  return (
    `<svg id="chart" role="img" aria-label="pass rate against cost per solved task" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">` +
    `${ticks}${xTicks}<line x1="${pad.l}" x2="${W - pad.r}" y1="${H - pad.b}" y2="${H - pad.b}" class="axis"/>` +
    `<text x="${(W + pad.l) / 2}" y="${H - 6}" text-anchor="middle">cost per solved task (hollow: nothing solved)</text>${marks}</svg>`
  );
}

function targetsTable(doc: EvalDocument): string {
  const head = ['target', 'solved', 'pass rate', 'first try', 'false confidence', 'cost', 'per solved', 'p50', 'p90', 'rounds'];
  const rows = doc.targets.map(
    (t) =>
      `<tr><th scope="row">${esc(t.target)}</th><td>${t.solved}/${t.tasks}</td><td>${pct(t.passRate)}</td><td>${pct(t.firstTryPassRate)}</td>` +
      `<td>${pct(t.falseConfidence)}</td><td>${esc(formatUsd(t.costUsd))}</td><td>${t.costPerSolvedUsd === null ? '–' : esc(formatUsd(t.costPerSolvedUsd))}</td>` +
      `<td>${t.p50Seconds ?? '–'}s</td><td>${t.p90Seconds ?? '–'}s</td><td>${t.roundsMean ?? '–'}</td></tr>`,
  );
  return `<table id="targets"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Which target solved what: a row per task, a column per target. */
function grid(doc: EvalDocument): string {
  const head = `<tr><th>task</th>${doc.targets.map((t) => `<th>${esc(t.target)}</th>`).join('')}</tr>`;
  const rows = doc.tasks.map((task) => {
    const cells = task.results
      .map((r) => {
        const m = MARK[r.outcome];
        const detail = `${m.label} · ${r.rounds} round${r.rounds === 1 ? '' : 's'} · ${formatUsd(r.costUsd)} · ${r.seconds.toFixed(1)}s${r.error ? ` · ${r.error.code}: ${r.error.message}` : ''}`;
        return `<td class="${r.outcome}" title="${esc(detail)}">${m.glyph}</td>`;
      })
      .join('');
    return `<tr data-task="${esc(task.id)}"><th scope="row">${esc(task.id)}</th>${cells}</tr>`;
  });
  return `<table id="grid"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function settings(doc: EvalDocument): string {
  const s = doc.settings;
  const items: [string, string][] = [
    ['suite', `${doc.suite.name} (${doc.suite.source}), ${doc.suite.tasks} tasks`],
    ['date', doc.startedAt],
    ['duration', `${(doc.durationMs / 1000).toFixed(1)}s`],
    ['repair rounds (--fix)', String(s.fix)],
    ['sandbox', s.sandbox],
    ['concurrency', String(s.concurrency)],
    ['budget (--max-cost)', s.maxCost === null ? 'none' : formatUsd(s.maxCost)],
  ];
  if (s.limit !== null) items.push(['--limit', String(s.limit)]);
  if (s.tasks) items.push(['--tasks', s.tasks.join(', ')]);
  if (s.record) items.push(['recorded to', s.record]);
  if (s.replay) items.push(['replayed from', s.replay]);
  return `<dl id="settings">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse}th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
th:first-child{text-align:left}#grid td{text-align:center}
td.solved{color:#1a7f37}td.failed,td.error{color:#c62828}td.skipped,td.interrupted{color:#999}
svg text{font-size:12px;fill:#333}.grid{stroke:#eee}.axis{stroke:#999}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{color:#666}dd{margin:0}`;

export function renderEvalHtml(doc: EvalDocument): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ptc eval: ${esc(doc.suite.name)}</title><style>${STYLE}</style></head>
<body><h1>ptc eval: ${esc(doc.suite.name)}</h1>
<h2>Pass rate against cost per solved task</h2>${chart(doc)}
<h2>Targets</h2>${targetsTable(doc)}
<h2>Tasks</h2>${grid(doc)}
<h2>Settings</h2>${settings(doc)}
</body></html>
`;
}
