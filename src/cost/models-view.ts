import type { ProviderId } from '../types.js';
import type { Catalog, CatalogModel } from './catalog.js';
import { modelsOf } from './catalog.js';

/** A price per 1M tokens as a table cell: "3.00", "0.125", "0.025" (two decimals, three when needed). */
function perMillion(n: number): string {
  return n.toFixed(3).replace(/(\.\d\d)0$/, '$1');
}

function status(m: CatalogModel): string {
  const parts: string[] = [];
  if (m.default) parts.push('default');
  if (m.retired) parts.push(m.successor ? `retired → ${m.successor}` : 'retired');
  else if (m.successor) parts.push(`successor ${m.successor}`);
  if (m.note && !m.retired) parts.push(m.note);
  return parts.join('; ');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (c >= 2 && c <= 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

/** The `ptc models` view: a text table with the price date, and the same facts as JSON. */
export function modelsView(catalog: Catalog, opts: { provider?: ProviderId } = {}): { text: string; json: unknown } {
  const models = modelsOf(catalog, opts.provider);
  const header = `Prices in USD per 1M tokens, as of ${catalog.pricesAsOf}. OpenRouter's billed cost is used when it reports one; override prices under "pricing" in your rc file.`;
  const rows = [
    ['provider', 'model', 'input', 'output', 'cache read', 'cache write', 'status'],
    ...models.map((m) => [
      m.provider === '*' ? 'any' : m.provider,
      m.id,
      perMillion(m.input),
      perMillion(m.output),
      perMillion(m.cacheRead),
      perMillion(m.cacheWrite),
      status(m),
    ]),
  ];
  const text = models.length
    ? `${header}\n\n${table(rows)}\n`
    : `${header}\n\nNo models in the catalog for ${opts.provider}: any model id the endpoint serves works with --model; its cost is reported as unknown unless you add its price under "pricing".\n`;
  return {
    text,
    json: {
      pricesAsOf: catalog.pricesAsOf,
      currency: 'USD per 1M tokens',
      models: models.map((m) => ({
        provider: m.provider,
        id: m.id,
        aliases: m.aliases ?? [],
        input: m.input,
        output: m.output,
        cacheRead: m.cacheRead,
        cacheWrite: m.cacheWrite,
        default: m.default ?? false,
        retired: m.retired ?? false,
        successor: m.successor ?? null,
        contextWindow: m.contextWindow ?? null,
        source: m.source,
        note: m.note ?? null,
      })),
    },
  };
}
