import type { Database } from 'sql.js';
import { sumCost } from '../cost/sum.js';
import { UsageError } from '../errors.js';
import type { Cost } from '../types.js';

export const GROUPINGS = ['day', 'provider', 'model'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface SpendRow {
  /** The day (YYYY-MM-DD, local time), the provider, or "provider/model". */
  key: string;
  calls: number;
  failedCalls: number;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  cost: {
    /** Priced spend; null when any call had no known price (a partial sum would pass for the whole). */
    usd: number | null;
    /** The least certain source among the priced calls: "unknown" when any call was unpriced. */
    source: Cost['source'];
    /** Billed figures the provider reported (OpenRouter). */
    providerUsd: number;
    /** Estimates from the price catalog. */
    catalogUsd: number;
    /** Calls whose price was unknown: their spend is not in `usd`. */
    unpricedCalls: number;
  };
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `7d`, `24h`, `30m`, `2w`, or a date / date-time (`2026-11-01`, read as local midnight). */
export function parseSince(text: string, now = Date.now()): number {
  const rel = /^(\d+(?:\.\d+)?)\s*([mhdw])$/i.exec(text.trim());
  if (rel) return now - Number.parseFloat(rel[1]!) * UNITS[rel[2]!.toLowerCase()]!;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text.trim());
  const at = Date.parse(dateOnly ? `${text.trim()}T00:00:00` : text);
  if (!Number.isFinite(at)) {
    throw new UsageError(`--since: cannot read "${text}" as a date or a duration`, {
      hint: 'use a duration such as 7d, 24h or 30m, or a date such as 2026-11-01',
    });
  }
  return at;
}

function keyExpression(by: Grouping, offsetMs: number): string {
  if (by === 'provider') return 'provider';
  if (by === 'model') return "provider || '/' || model";
  // sql.js has no time zone data, so shift to local time before taking the date.
  return `date((at + ${Math.round(offsetMs)}) / 1000, 'unixepoch')`;
}

/** Spend and tokens per day, provider or model since a moment, oldest day / largest spend first. */
export function spendBy(db: Database, by: Grouping, sinceMs: number | null, now = new Date()): SpendRow[] {
  const offsetMs = -now.getTimezoneOffset() * 60_000;
  const order = by === 'day' ? 'key ASC' : 'usd DESC, key ASC';
  const stmt = db.prepare(
    `SELECT ${keyExpression(by, offsetMs)} AS key,
            COUNT(*) AS calls,
            SUM(outcome != 'ok') AS failed,
            SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens),
            COALESCE(SUM(cost_usd), 0) AS usd,
            SUM(cost_usd IS NOT NULL AND cost_source = 'catalog'),
            COALESCE(SUM(CASE WHEN cost_source = 'provider' THEN cost_usd END), 0),
            COALESCE(SUM(CASE WHEN cost_source = 'catalog' THEN cost_usd END), 0),
            SUM(cost_usd IS NULL AND (input_tokens + output_tokens) > 0)
       FROM calls WHERE at >= ? GROUP BY key ORDER BY ${order}`,
  );
  const rows: SpendRow[] = [];
  try {
    stmt.bind([sinceMs ?? 0]);
    while (stmt.step()) {
      const v = stmt.get() as (number | string | null)[];
      const n = (i: number) => Number(v[i] ?? 0);
      const unpriced = n(11);
      rows.push({
        key: String(v[0]),
        calls: n(1),
        failedCalls: n(2),
        usage: { inputTokens: n(3), outputTokens: n(4), cacheReadTokens: n(5), cacheWriteTokens: n(6) },
        cost: {
          usd: unpriced > 0 ? null : n(7),
          // A group with no estimated call is labelled "provider", which leaves a total's label as it is.
          source: unpriced > 0 ? 'unknown' : n(8) > 0 ? 'catalog' : 'provider',
          providerUsd: n(9),
          catalogUsd: n(10),
          unpricedCalls: unpriced,
        },
      });
    }
  } finally {
    stmt.free();
  }
  return rows;
}

export function sumRows(rows: SpendRow[]): Omit<SpendRow, 'key'> {
  const total: Omit<SpendRow, 'key'> = {
    calls: 0,
    failedCalls: 0,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    cost: { usd: 0, source: 'provider', providerUsd: 0, catalogUsd: 0, unpricedCalls: 0 },
  };
  for (const r of rows) {
    total.calls += r.calls;
    total.failedCalls += r.failedCalls;
    for (const k of Object.keys(total.usage) as (keyof SpendRow['usage'])[]) total.usage[k] += r.usage[k];
    const sum = sumCost(total.cost, r.cost);
    total.cost.usd = sum.usd;
    total.cost.source = sum.source;
    total.cost.providerUsd += r.cost.providerUsd;
    total.cost.catalogUsd += r.cost.catalogUsd;
    total.cost.unpricedCalls += r.cost.unpricedCalls;
  }
  return total;
}
