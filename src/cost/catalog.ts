import fs from 'node:fs';
import { ConfigError, InternalError } from '../errors.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';
import { readCatalogCache, type CatalogCache } from './catalog-cache.js';
import type { CatalogModel } from './catalog-model.js';

/**
 * The model catalog: prices and model facts are data. Three layers, each winning over the one before:
 * the shipped catalog/models.json, the cache written by `ptc models --update`, and the rc file's `pricing`.
 */

export type { CatalogModel, PriceSource, ReasoningSupport, TemperatureSupport } from './catalog-model.js';

export interface Catalog {
  pricesAsOf: string;
  currency?: string;
  models: CatalogModel[];
  /** The update the prices were refreshed from, when there is one. */
  update?: { url: string; fetchedAt: string; skipped: number } | null;
  /** Problems reading the update cache: it is then ignored, never fatal. */
  warnings?: string[];
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

const PRICE_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;

/**
 * An updated entry refreshes what the source publishes (prices, limits, retirement dates) and leaves what ptc
 * decided (default, successor, aliases, notes) alone. Capabilities the source states only loosely (reasoning
 * "supported", sampling params) fill gaps but do not overrule the shipped, hand-checked values.
 */
function refreshFrom(m: CatalogModel, u: CatalogModel, fetchedOn: string): void {
  for (const k of PRICE_KEYS) m[k] = u[k];
  if (u.contextWindow) m.contextWindow = u.contextWindow;
  if (u.maxOutput) m.maxOutput = u.maxOutput;
  if (u.deprecationDate) m.deprecationDate = u.deprecationDate;
  m.reasoning ??= u.reasoning;
  m.temperature ??= u.temperature;
  m.source = u.source;
  m.priceSource = 'update';
  m.priceDate = fetchedOn;
}

function applyUpdate(models: CatalogModel[], cache: CatalogCache): void {
  const fetchedOn = cache.fetchedAt.slice(0, 10);
  for (const u of cache.models) {
    const hits = models.filter((m) => m.provider === u.provider && !m.unlisted && names(m).includes(u.id));
    for (const m of hits) refreshFrom(m, u, fetchedOn);
    if (hits.length === 0) models.push({ ...u, priceSource: 'update', priceDate: fetchedOn, unlisted: true });
  }
}

function applyOverrides(models: CatalogModel[], overrides: PricingOverrides): void {
  for (const [key, p] of Object.entries(overrides)) {
    const { provider, model } = parsePricingKey(key);
    // Cache prices left out are charged at the input price: an upper bound for reads, never zero.
    const prices = { input: p.input, output: p.output, cacheRead: p.cacheRead ?? p.input, cacheWrite: p.cacheWrite ?? p.input };
    const hits = models.filter((m) => (provider === '*' || m.provider === provider) && names(m).includes(model));
    for (const m of hits) Object.assign(m, prices, { source: RC_PRICE_SOURCE, priceSource: 'rc', priceDate: null });
    if (hits.length === 0) models.unshift({ provider, id: model, ...prices, source: RC_PRICE_SOURCE, priceSource: 'rc', priceDate: null });
  }
}

export interface LoadCatalogOptions {
  /** Where to look for the `ptc models --update` cache; without it only the shipped catalog is read. */
  env?: NodeJS.ProcessEnv;
}

/** The catalog with the update cache (when `env` is given) and then the rc file's prices applied. */
export function loadCatalog(overrides?: PricingOverrides | null, opts: LoadCatalogOptions = {}): Catalog {
  const base = readBuiltIn();
  const models: CatalogModel[] = base.models.map((m) => ({ ...m, priceSource: 'shipped', priceDate: m.readOn ?? base.pricesAsOf }));
  const warnings: string[] = [];
  let update: Catalog['update'] = null;
  if (opts.env) {
    const read = readCatalogCache(opts.env);
    if (read.warning) warnings.push(read.warning);
    if (read.cache) {
      applyUpdate(models, read.cache);
      update = { url: read.cache.url, fetchedAt: read.cache.fetchedAt, skipped: read.cache.skipped };
    }
  }
  if (overrides && Object.keys(overrides).length > 0) applyOverrides(models, overrides);
  return { ...base, models, update, warnings };
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

/** The catalog's models, of one provider when given (rc prices for any provider included). */
export function modelsOf(catalog: Catalog, provider?: ProviderId): CatalogModel[] {
  return provider ? catalog.models.filter((m) => m.provider === provider || m.provider === '*') : catalog.models;
}
