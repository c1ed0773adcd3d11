import type { ProviderId } from '../types.js';
import type { Catalog, CatalogModel } from './catalog.js';
import { findModel, modelsOf } from './catalog.js';
import { daysSince, daysUntil } from './lifecycle.js';
import { formatUsd } from './money.js';

/** Prices read longer ago than this get a warning: provider prices move every few months. */
export const STALE_PRICE_DAYS = 60;

/** A price per 1M tokens as a table cell: "3.00", "0.125", "0.0375" (the column header says USD). */
const perMillion = (n: number) => formatUsd(n, { sign: false });

function isRetired(m: CatalogModel, now: Date): boolean {
  return Boolean(m.retired) || (m.deprecationDate !== undefined && daysUntil(m.deprecationDate, now) <= 0);
}

function status(m: CatalogModel, now: Date): string {
  const parts: string[] = [];
  if (m.default) parts.push('default');
  if (isRetired(m, now)) parts.push(m.successor ? `retired → ${m.successor}` : 'retired');
  else if (m.deprecationDate) parts.push(`retires ${m.deprecationDate}${m.successor ? ` → ${m.successor}` : ''}`);
  else if (m.successor) parts.push(`successor ${m.successor}`);
  if (m.note && !isRetired(m, now)) parts.push(m.note);
  return parts.join('; ');
}

function sourceCell(m: CatalogModel): string {
  if (m.priceSource === 'rc') return 'rc pricing';
  return `${m.priceSource === 'update' ? 'update' : 'shipped'} ${m.priceDate ?? ''}`.trim();
}

function ageDays(m: CatalogModel, now: Date): number | null {
  return m.priceSource === 'rc' || !m.priceDate ? null : daysSince(m.priceDate, now);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (c >= 2 && c <= 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

function header(catalog: Catalog): string {
  const parts = [`Prices in USD per 1M tokens. Shipped catalog as of ${catalog.pricesAsOf}`];
  if (catalog.update) {
    const skipped = catalog.update.skipped ? `, ${catalog.update.skipped} unusable entries skipped` : '';
    parts.push(`updated from ${catalog.update.url} on ${catalog.update.fetchedAt.slice(0, 10)}${skipped}`);
  }
  return `${parts.join('; ')}. OpenRouter's billed cost is used when it reports one; prices under "pricing" in your rc file win over both.`;
}

/** The one warning when prices in view are old, naming the oldest date. */
function staleWarning(models: CatalogModel[], now: Date): string | null {
  const stale = models.filter((m) => (ageDays(m, now) ?? 0) > STALE_PRICE_DAYS);
  if (stale.length === 0) return null;
  const oldest = stale.map((m) => m.priceDate!).sort()[0]!;
  return `${stale.length} price${stale.length === 1 ? ' is' : 's are'} older than ${STALE_PRICE_DAYS} days (oldest read ${oldest}): run \`ptc models --update\``;
}

/** The `ptc models` view: a text table with each price's source and date, and the same facts as JSON. */
export function modelsView(
  catalog: Catalog,
  opts: { provider?: ProviderId; all?: boolean; now?: Date } = {},
): { text: string; json: unknown; warnings: string[] } {
  const now = opts.now ?? new Date();
  const every = modelsOf(catalog, opts.provider);
  const models = opts.all ? every : every.filter((m) => !m.unlisted);
  const hidden = every.length - models.length;
  const warnings = [...(catalog.warnings ?? [])];
  const stale = staleWarning(models, now);
  if (stale) warnings.push(stale);
  const rows = [
    ['provider', 'model', 'input', 'output', 'cache read', 'cache write', 'source', 'status'],
    ...models.map((m) => [
      m.provider === '*' ? 'any' : m.provider,
      m.id,
      perMillion(m.input),
      perMillion(m.output),
      perMillion(m.cacheRead),
      perMillion(m.cacheWrite),
      sourceCell(m),
      status(m, now),
    ]),
  ];
  const more = hidden ? `\n${hidden} more models are priced by the update: \`ptc models --all\` lists them.\n` : '';
  const text = models.length
    ? `${header(catalog)}\n\n${table(rows)}\n${more}`
    : `${header(catalog)}\n\nNo models in the catalog for ${opts.provider}: any model id the endpoint serves works with --model; its cost is reported as unknown unless you add its price under "pricing".\n`;
  return {
    text,
    warnings,
    json: {
      pricesAsOf: catalog.pricesAsOf,
      currency: 'USD per 1M tokens',
      update: catalog.update ?? null,
      warnings,
      unlisted: hidden,
      models: models.map((m) => ({
        provider: m.provider,
        id: m.id,
        aliases: m.aliases ?? [],
        input: m.input,
        output: m.output,
        cacheRead: m.cacheRead,
        cacheWrite: m.cacheWrite,
        priceSource: m.priceSource ?? 'shipped',
        priceDate: m.priceDate ?? null,
        priceAgeDays: ageDays(m, now),
        default: m.default ?? false,
        retired: isRetired(m, now),
        deprecationDate: m.deprecationDate ?? null,
        successor: m.successor ?? null,
        contextWindow: m.contextWindow ?? null,
        maxOutput: m.maxOutput ?? null,
        temperature: m.temperature ?? null,
        reasoning: m.reasoning ?? null,
        source: m.source,
        note: m.note ?? null,
      })),
    },
  };
}

/** `ptc models --remote`: the ids an endpoint serves, each marked with whether ptc has a price for it. */
export function remoteView(catalog: Catalog, provider: ProviderId, ids: string[]): { text: string; json: unknown } {
  const rows = [...ids].sort().map((id) => ({ id, model: findModel(catalog, provider, id) }));
  const unpriced = rows.filter((r) => !r.model).length;
  const width = Math.max(5, ...rows.map((r) => r.id.length));
  const lines = rows.map((r) =>
    r.model ? `${r.id.padEnd(width)}  ${perMillion(r.model.input)} / ${perMillion(r.model.output)}` : `${r.id.padEnd(width)}  no price`,
  );
  const summary = `${provider} serves ${rows.length} model${rows.length === 1 ? '' : 's'}; ${unpriced} without a price in ptc's catalog (their cost shows as unknown: add them under "pricing" in your rc file, or run \`ptc models --update\`).`;
  return {
    text: `${summary}\n\n${'model'.padEnd(width)}  input / output per 1M tokens\n${lines.join('\n')}\n`,
    json: {
      provider,
      unpriced,
      models: rows.map((r) => ({ id: r.id, priced: Boolean(r.model), input: r.model?.input ?? null, output: r.model?.output ?? null })),
    },
  };
}
