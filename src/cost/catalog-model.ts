import type { ProviderId } from '../types.js';

/*
 * One model of the catalog, in a file of its own: the catalog and its update cache both need the type, and the
 * cache taking it from catalog.ts, which reads the cache, made the two an import circle.
 */

/** Where a model's prices came from, for `ptc models` and its age warning. */
export type PriceSource = 'shipped' | 'update' | 'rc';

/** Which temperatures a model takes: any (true), none may be sent (false), or only this fixed value. */
export type TemperatureSupport = boolean | number;
export type ReasoningSupport = 'none' | 'optional' | 'always';

/** One model of the catalog; `catalog-schema.ts` holds the zod schema the tests check the shipped file with. */
export interface CatalogModel {
  /** `*` only for rc prices given by bare model id, which apply whatever the provider. */
  provider: ProviderId | '*';
  id: string;
  aliases?: string[];
  /** USD per 1M tokens. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  source: string;
  /** The day `source` was read for this entry (YYYY-MM-DD). */
  readOn?: string;
  retired?: boolean;
  successor?: string;
  default?: boolean;
  contextWindow?: number;
  maxOutput?: number;
  temperature?: TemperatureSupport;
  reasoning?: ReasoningSupport;
  /** The day the provider shuts the model down (YYYY-MM-DD). */
  deprecationDate?: string;
  note?: string;
  /** Set by loadCatalog: which layer the prices are from, and the day they were read (null for rc prices). */
  priceSource?: PriceSource;
  priceDate?: string | null;
  /** Only in the update, not in the shipped catalog: priced, but `ptc models` lists it only with --all. */
  unlisted?: boolean;
}
