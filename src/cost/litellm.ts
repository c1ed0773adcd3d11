import { z } from 'zod';
import type { ProviderId } from '../types.js';
import type { CatalogModel } from './catalog.js';

/**
 * LiteLLM's model_prices_and_context_window.json, mapped to ptc's catalog. The file is one object keyed by
 * model name; each entry names its `litellm_provider`, prices per token, limits and capabilities. Only chat
 * models of ptc's providers are kept. Unknown fields are tolerated (the file grows all the time); an entry
 * of ours whose fields do not fit is skipped and counted, never fatal.
 */

/** litellm_provider → ptc provider, and the key prefix LiteLLM puts before the provider's own model id. */
const PROVIDERS: Record<string, { id: ProviderId; prefix: string }> = {
  anthropic: { id: 'anthropic', prefix: 'anthropic/' },
  openai: { id: 'openai', prefix: 'openai/' },
  moonshot: { id: 'kimi', prefix: 'moonshot/' },
  openrouter: { id: 'openrouter', prefix: 'openrouter/' },
};

const perToken = z.number().nonnegative().finite();
const tokens = z.number().int().positive();

const entrySchema = z.looseObject({
  litellm_provider: z.string(),
  mode: z.string().optional(),
  input_cost_per_token: perToken,
  output_cost_per_token: perToken,
  cache_read_input_token_cost: perToken.optional(),
  cache_creation_input_token_cost: perToken.optional(),
  max_input_tokens: tokens.optional(),
  max_output_tokens: tokens.optional(),
  max_tokens: z.unknown().optional(),
  supports_reasoning: z.boolean().optional(),
  supports_sampling_params: z.boolean().optional(),
  deprecation_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});

export interface MappedCatalog {
  models: CatalogModel[];
  /** Entries for ptc's providers whose fields did not fit (bad price, bad date, …). */
  skipped: number;
}

/** USD per token → USD per 1M tokens, without float noise (3e-06 → 3, not 2.9999999999999996). */
function perMillion(usd: number): number {
  return Math.round(usd * 1e6 * 1e6) / 1e6;
}

/** Modes ptc can call through chat completions / messages; absent means chat in older entries. */
function isChat(mode: unknown): boolean {
  return mode === undefined || mode === 'chat';
}

export function mapLiteLLM(doc: Record<string, unknown>, url: string): MappedCatalog {
  const models: CatalogModel[] = [];
  let skipped = 0;
  for (const [key, raw] of Object.entries(doc)) {
    if (!raw || typeof raw !== 'object') continue;
    const provider = PROVIDERS[(raw as { litellm_provider?: unknown }).litellm_provider as string];
    if (!provider || !isChat((raw as { mode?: unknown }).mode)) continue;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      skipped++;
      continue;
    }
    const e = parsed.data;
    const id = key.startsWith(provider.prefix) ? key.slice(provider.prefix.length) : key;
    if (!id) {
      skipped++;
      continue;
    }
    const input = perMillion(e.input_cost_per_token);
    const m: CatalogModel = {
      provider: provider.id,
      id,
      input,
      output: perMillion(e.output_cost_per_token),
      // Where the file gives no cache price, cached tokens are charged at the input price (as the rc file's
      // pricing does): an upper bound, never zero.
      cacheRead: e.cache_read_input_token_cost !== undefined ? perMillion(e.cache_read_input_token_cost) : input,
      cacheWrite: e.cache_creation_input_token_cost !== undefined ? perMillion(e.cache_creation_input_token_cost) : input,
      source: url,
    };
    if (e.max_input_tokens) m.contextWindow = e.max_input_tokens;
    const maxOut = e.max_output_tokens ?? (typeof e.max_tokens === 'number' && Number.isInteger(e.max_tokens) && e.max_tokens > 0 ? e.max_tokens : undefined);
    if (maxOut) m.maxOutput = maxOut;
    if (e.supports_reasoning !== undefined) m.reasoning = e.supports_reasoning ? 'optional' : 'none';
    // LiteLLM marks models that reject temperature/top_p with supports_sampling_params: false.
    if (e.supports_sampling_params === false) m.temperature = false;
    if (e.deprecation_date) m.deprecationDate = e.deprecation_date;
    models.push(m);
  }
  return { models, skipped };
}
