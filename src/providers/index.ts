import { ConfigError } from '../errors.js';
import type { Logger, Provider, ProviderId } from '../types.js';
import { PROVIDER_IDS, silentLogger } from '../types.js';
import type { AdapterSettings } from './call-context.js';
import { defaultBaseURL, profileFor } from './profiles.js';

export { defaultBaseURL } from './profiles.js';

export interface ProviderSettings {
  id: ProviderId;
  model: string;
  /** null is allowed only for openai-compatible (local servers often need none). */
  apiKey: string | null;
  /** NAME of the env var / rc key the key came from, for messages (never the value). */
  apiKeySource: string | null;
  /** Already resolved by config (defaultBaseURL when none was given). */
  baseURL: string;
  headers?: Record<string, string>;
  /** Retries after the first attempt; default 2. */
  maxRetries?: number;
  /** Cap on each wait between attempts, whatever the server asks; default 60 s. */
  maxRetryWaitMs?: number;
  /** Epoch ms; nothing waits or retries past it (--timeout). */
  deadline?: number;
  /** Retries are announced with logger.warn. */
  logger?: Logger;
  /**
   * The catalog's word on temperature for this model (true: any, false: none, a number: only that one);
   * left out for models the catalog does not know, which get the profile's fallback.
   */
  temperature?: boolean | number;
}

export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;

/** Builds the adapter for a provider. The SDK it needs is loaded here, not before. */
export async function createProvider(s: ProviderSettings): Promise<Provider> {
  if (!PROVIDER_IDS.includes(s.id)) {
    throw new ConfigError(`unknown provider "${String(s.id)}"`, {
      code: 'config_provider',
      hint: `use one of: ${PROVIDER_IDS.join(', ')}`,
    });
  }
  const profile = profileFor(s.id);
  if (s.apiKey === null && s.id !== 'openai-compatible') {
    throw new ConfigError(`no API key for ${profile.label}`, {
      code: 'config_missing_key',
      hint: `set ${s.apiKeySource ?? profile.keyEnv ?? 'the key'} (in the environment or .env)`,
    });
  }
  if (!s.baseURL) {
    throw new ConfigError(`no endpoint for ${profile.label}`, {
      code: 'config_base_url',
      hint: 'pass --base-url (for example http://localhost:11434/v1 for Ollama)',
    });
  }
  const settings: AdapterSettings = {
    profile,
    model: s.model,
    apiKey: s.apiKey,
    apiKeySource: s.apiKeySource,
    baseURL: s.baseURL.replace(/\/+$/, ''),
    headers: s.headers ?? {},
    maxRetries: Math.max(0, Math.floor(s.maxRetries ?? DEFAULT_MAX_RETRIES)),
    maxRetryWaitMs: Math.max(0, s.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS),
    deadline: s.deadline,
    logger: s.logger ?? silentLogger,
    temperature: s.temperature,
  };
  if (profile.wire === 'anthropic') {
    const { createAnthropicProvider } = await import('./anthropic.js');
    return createAnthropicProvider(settings);
  }
  const { createOpenAIChatProvider } = await import('./openai-chat.js');
  return createOpenAIChatProvider(settings);
}
