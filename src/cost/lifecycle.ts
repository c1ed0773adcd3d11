import { ConfigError } from '../errors.js';
import type { CatalogModel } from './catalog.js';

/**
 * Retirement: a model past its shutdown day (or marked retired) fails before any call is paid for; one within
 * RETIREMENT_WARNING_DAYS of it warns. Both name the replacement when the catalog knows one.
 */
export const RETIREMENT_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

/**
 * Today, for retirement and price-age checks. `PTC_NOW` (a date or ISO timestamp) stands in for the clock so
 * these checks can be tested and reproduced; an unreadable value is ignored.
 */
export function nowFrom(env: NodeJS.ProcessEnv): Date {
  const given = env.PTC_NOW?.trim();
  if (given) {
    const d = new Date(given);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date();
}

/** Whole days from `now` to the start of day `date` (YYYY-MM-DD, UTC); negative once it has passed. */
export function daysUntil(date: string, now: Date): number {
  return Math.ceil((Date.parse(`${date}T00:00:00Z`) - now.getTime()) / DAY_MS);
}

/** Whole days since day `date`. */
export function daysSince(date: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(`${date.slice(0, 10)}T00:00:00Z`)) / DAY_MS);
}

function replacement(m: CatalogModel): string {
  return m.successor ? `use ${m.successor}` : 'pick a current model from `ptc models`';
}

/**
 * Throws for a retired model; returns the warning for one that retires soon, else null.
 * `requested` is the id as the user gave it (it may be an alias or a dated snapshot of `m`).
 */
export function checkRetirement(m: CatalogModel, requested: string, now: Date): string | null {
  const days = m.deprecationDate ? daysUntil(m.deprecationDate, now) : null;
  if (m.retired || (days !== null && days <= 0)) {
    const when = m.deprecationDate ? ` on ${m.deprecationDate}` : '';
    throw new ConfigError(`${requested} was retired by its provider${when}`, {
      code: 'model_retired',
      hint: m.successor ? `pass --model ${m.successor} (or set "model" in your rc file)` : 'pick a current model from `ptc models` and pass it with --model',
    });
  }
  if (days !== null && days <= RETIREMENT_WARNING_DAYS) {
    return `${requested} retires on ${m.deprecationDate} (in ${days} day${days === 1 ? '' : 's'}): ${replacement(m)}`;
  }
  return null;
}
