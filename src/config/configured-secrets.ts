import { PROVIDER_IDS } from '../types.js';
import { KEY_ENV_VARS, providerConfigOf, type ResolvedConfig } from './resolve.js';

/**
 * Every secret value this configuration knows, whichever provider is active: each provider's key (from every
 * variable that could hold it, and a literal rc `apiKey`), the Daytona key and the serve token.
 */
export function configuredSecrets(cfg: ResolvedConfig): string[] {
  const names = new Set<string>(['PTC_SERVE_TOKEN', cfg.file.daytona?.apiKeyEnv ?? 'DAYTONA_API_KEY', 'DAYTONA_API_KEY']);
  const values = new Set<string>();
  for (const id of PROVIDER_IDS) {
    const pc = providerConfigOf(cfg, id);
    for (const name of KEY_ENV_VARS[id]) names.add(name);
    if (pc.apiKeyEnv) names.add(pc.apiKeyEnv);
    if (pc.apiKey?.trim()) values.add(pc.apiKey.trim());
  }
  for (const name of names) {
    const value = cfg.env[name]?.trim();
    if (value) values.add(value);
  }
  return [...values];
}
