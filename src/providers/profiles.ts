import type { ProviderId } from '../types.js';
import type { ThinkingWire } from './reasoning.js';

/**
 * What differs between providers is small data, kept here so the two SDK adapters stay generic.
 */
export interface ProviderProfile {
  id: ProviderId;
  /** Name used in messages ("kimi rejected the API key"). */
  label: string;
  /** Which SDK adapter speaks to it. */
  wire: 'openai-chat' | 'anthropic';
  /** Environment variable users normally put the key in (for hints when config did not say). */
  keyEnv: string | null;
  /** Headers sent with every request. */
  headers: Record<string, string>;
  /** Extra body fields sent with every chat completion. */
  extraBody: Record<string, unknown>;
  /** Token limit field name: OpenAI's newer models reject `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /**
   * Whether to send --temperature to a model the catalog does not list. Which models take a temperature is
   * catalog data (`temperature` per model); for the rest ptc stays on the side that cannot fail the call:
   * where the provider's current models reject or pin it (OpenAI's reasoning models, Kimi K2.5 and later)
   * it is not sent, and the model's default is used; elsewhere (OpenRouter, local servers) it is sent.
   */
  temperatureForUnknownModels: boolean;
  /** How `--reasoning` is sent (reasoning.ts). */
  thinkingWire: ThinkingWire;
}

export const KIMI_BASE_URLS = {
  intl: 'https://api.moonshot.ai/v1',
  cn: 'https://api.moonshot.cn/v1',
} as const;

const BASE_URLS: Record<ProviderId, string | null> = {
  kimi: KIMI_BASE_URLS.intl,
  anthropic: 'https://api.anthropic.com',
  openrouter: 'https://openrouter.ai/api/v1',
  openai: 'https://api.openai.com/v1',
  'openai-compatible': null,
};

const PROFILES: Record<ProviderId, ProviderProfile> = {
  kimi: {
    id: 'kimi',
    label: 'kimi',
    wire: 'openai-chat',
    keyEnv: 'MOONSHOT_API_KEY',
    headers: {},
    extraBody: {},
    maxTokensField: 'max_tokens',
    temperatureForUnknownModels: false,
    thinkingWire: 'kimi',
  },
  anthropic: {
    id: 'anthropic',
    label: 'anthropic',
    wire: 'anthropic',
    keyEnv: 'ANTHROPIC_API_KEY',
    headers: {},
    extraBody: {},
    maxTokensField: 'max_tokens',
    temperatureForUnknownModels: true,
    thinkingWire: 'anthropic',
  },
  openrouter: {
    id: 'openrouter',
    label: 'openrouter',
    wire: 'openai-chat',
    keyEnv: 'OPENROUTER_API_KEY',
    // Attribution headers OpenRouter documents for apps.
    headers: { 'HTTP-Referer': 'https://github.com/ptc-cli/ptc', 'X-OpenRouter-Title': 'ptc' },
    // Asks for the billed cost in `usage.cost` (harmless where it is already the default).
    extraBody: { usage: { include: true } },
    maxTokensField: 'max_tokens',
    temperatureForUnknownModels: true,
    thinkingWire: 'openrouter',
  },
  openai: {
    id: 'openai',
    label: 'openai',
    wire: 'openai-chat',
    keyEnv: 'OPENAI_API_KEY',
    headers: {},
    extraBody: {},
    maxTokensField: 'max_completion_tokens',
    temperatureForUnknownModels: false,
    thinkingWire: 'openai',
  },
  'openai-compatible': {
    id: 'openai-compatible',
    label: 'openai-compatible endpoint',
    wire: 'openai-chat',
    keyEnv: null,
    headers: {},
    extraBody: {},
    maxTokensField: 'max_tokens',
    temperatureForUnknownModels: true,
    thinkingWire: 'compatible',
  },
};

export function profileFor(id: ProviderId): ProviderProfile {
  return PROFILES[id];
}

/** The endpoint a provider uses when config names none; null for `openai-compatible`, which needs `--base-url`. */
export function defaultBaseURL(id: ProviderId, opts: { region?: 'intl' | 'cn' } = {}): string | null {
  if (id === 'kimi') return KIMI_BASE_URLS[opts.region ?? 'intl'];
  return BASE_URLS[id];
}
