import fs from 'node:fs';
import { ConfigError, InternalError } from '../errors.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';

/**
 * The model catalog: prices and model facts are data (catalog/models.json, shipped in the package), read
 * once, validated, and overridable from the rc file's `pricing`.
 */

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
  retired?: boolean;
  successor?: string;
  default?: boolean;
  contextWindow?: number;
  note?: string;
}

export interface Catalog {
  pricesAsOf: string;
  currency?: string;
  models: CatalogModel[];
}

/** What cost needs from a model: USD per 1M tokens of each kind. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number | null;
  cacheWrite?: number | null;
}

/**
 * The rc file's `pricing`: `{ "<provider>/<model>" | "<model>": { input, output, cacheRead?, cacheWrite? } }`,
 * already validated with the rc file (config/schema.ts).
 */
export type PricingOverrides = Record<string, { input: number; output: number; cacheRead?: number; cacheWrite?: number }>;

export const RC_PRICE_SOURCE = 'rc file "pricing"';

/** Works from src/cost (vitest) and dist/cost (the package): both sit two levels below the package root. */
const CATALOG_URL = new URL('../../catalog/models.json', import.meta.url);

let builtIn: Catalog | null = null;

function readBuiltIn(): Catalog {
  if (builtIn) return builtIn;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(CATALOG_URL, 'utf8'));
  } catch (err) {
    throw new InternalError(new Error(`cannot read the model catalog at ${CATALOG_URL.pathname}: ${(err as Error).message}`));
  }
  // The shipped file is checked against catalog-schema.ts by the tests; validating it here on every run
  // would load zod for nothing.
  builtIn = raw as Catalog;
  return builtIn;
}

function isProviderId(s: string): s is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(s);
}

/** Splits a pricing key: "openrouter/moonshotai/kimi-k2" names a provider, "moonshotai/kimi-k2" does not. */
export function parsePricingKey(key: string): { provider: ProviderId | '*'; model: string } {
  const slash = key.indexOf('/');
  if (slash > 0) {
    const head = key.slice(0, slash);
    if (isProviderId(head)) return { provider: head, model: key.slice(slash + 1) };
  }
  return { provider: '*', model: key };
}

function names(m: CatalogModel): string[] {
  return [m.id, ...(m.aliases ?? [])];
}

/** The catalog with the rc file's prices applied: an existing entry keeps its facts and takes the new prices. */
export function loadCatalog(overrides?: PricingOverrides | null): Catalog {
  const base = readBuiltIn();
  if (!overrides || Object.keys(overrides).length === 0) return base;
  const models = base.models.map((m) => ({ ...m }));
  for (const [key, p] of Object.entries(overrides)) {
    const { provider, model } = parsePricingKey(key);
    // Cache prices left out are charged at the input price: an upper bound for reads, never zero.
    const prices = { input: p.input, output: p.output, cacheRead: p.cacheRead ?? p.input, cacheWrite: p.cacheWrite ?? p.input };
    const hits = models.filter((m) => (provider === '*' || m.provider === provider) && names(m).includes(model));
    for (const m of hits) Object.assign(m, prices, { source: RC_PRICE_SOURCE });
    if (hits.length === 0) models.unshift({ provider, id: model, ...prices, source: RC_PRICE_SOURCE });
  }
  return { ...base, models };
}

/** Dated snapshots ("claude-haiku-4-5-20251001") price like their model. */
function undated(model: string): string {
  return model.replace(/-(\d{8}|\d{4}-\d{2}-\d{2})$/, '');
}

export function findModel(catalog: Catalog, provider: ProviderId, model: string): CatalogModel | null {
  const candidates = catalog.models.filter((m) => m.provider === provider || m.provider === '*');
  const exact = (name: string) =>
    candidates.find((m) => m.provider === provider && names(m).includes(name)) ??
    candidates.find((m) => m.provider === '*' && names(m).includes(name));
  return exact(model) ?? exact(undated(model)) ?? null;
}

/** The model a provider uses when none is given: the catalog's current default for it. */
export function defaultModel(provider: ProviderId): string {
  const found = readBuiltIn().models.find((m) => m.provider === provider && m.default && !m.retired);
  if (!found) {
    throw new ConfigError(`${provider} has no default model`, {
      code: 'config_model',
      hint: `pass --model (or set providers.${provider}.model): the endpoint decides which models exist`,
    });
  }
  return found.id;
}

/** The catalog's facts about a model, for messages; null when unknown. */
export function modelsOf(catalog: Catalog, provider?: ProviderId): CatalogModel[] {
  return provider ? catalog.models.filter((m) => m.provider === provider || m.provider === '*') : catalog.models;
}
