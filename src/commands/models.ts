import type { CliContext } from '../cli/context.js';
import { providerConfigOf, requireApiKey, resolveConfig } from '../config/resolve.js';
import { ConfigError, UsageError } from '../errors.js';
import { configuredSecrets } from '../config/configured-secrets.js';
import { providerArg } from '../config/provider-arg.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';

export interface ModelsOptions {
  provider?: string;
  json?: boolean;
  update?: boolean;
  remote?: boolean;
  all?: boolean;
  baseUrl?: string;
}

/** `ptc models`: the catalog with each price's source and age; `--update` refreshes it; `--remote` asks the endpoint. */
export async function modelsCommand(ctx: CliContext, opts: ModelsOptions): Promise<number> {
  if (opts.provider) providerArg(opts.provider);
  if (opts.update && opts.remote) throw new UsageError('--update and --remote are separate steps', { hint: 'run `ptc models --update`, then `ptc models --remote -p <id>`' });
  if (opts.remote && !opts.provider) {
    throw new UsageError('--remote needs a provider', { hint: `add -p <id>, one of: ${PROVIDER_IDS.join(', ')}` });
  }
  const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env, flags: { provider: opts.provider, baseUrl: opts.baseUrl } });
  ctx.io.addSecrets(configuredSecrets(cfg));
  for (const w of cfg.warnings) ctx.io.logger.warn(w);
  const [{ loadCatalog }, view] = await Promise.all([import('../cost/catalog.js'), import('../cost/models-view.js')]);

  if (opts.update) {
    const [{ updateCatalog, DEFAULT_CATALOG_URL }, { nowFrom }] = await Promise.all([import('../cost/catalog-update.js'), import('../cost/lifecycle.js')]);
    const url = cfg.file.catalog?.url ?? DEFAULT_CATALOG_URL;
    const r = await updateCatalog({ url, env: ctx.env, signal: ctx.lifecycle.signal, now: nowFrom(ctx.env) });
    const skipped = r.skipped ? ` (${r.skipped} unusable entr${r.skipped === 1 ? 'y' : 'ies'} skipped)` : '';
    ctx.io.logger.info(`catalog updated from ${r.url}: ${r.models} models of ptc's providers${skipped}, saved in ${r.path}`);
  }

  const catalog = loadCatalog(cfg.file.pricing as never, { env: ctx.env });
  if (opts.remote) {
    const id = opts.provider as ProviderId;
    const ids = await remoteIds(cfg, id, opts.baseUrl);
    const { text, json } = view.remoteView(catalog, id, ids);
    ctx.io.print(opts.json ? JSON.stringify(json, null, 2) : text);
    return 0;
  }

  const { nowFrom } = await import('../cost/lifecycle.js');
  const v = view.modelsView(catalog, { provider: opts.provider as ProviderId | undefined, all: opts.all, now: nowFrom(ctx.env) });
  for (const w of v.warnings) ctx.io.logger.warn(w);
  ctx.io.print(opts.json ? JSON.stringify(v.json, null, 2) : v.text);
  return 0;
}

async function remoteIds(cfg: Awaited<ReturnType<typeof resolveConfig>>, id: ProviderId, baseUrl: string | undefined): Promise<string[]> {
  const key = requireApiKey(cfg, id);
  const pc = providerConfigOf(cfg, id);
  const { defaultBaseURL } = await import('../providers/profiles.js');
  const baseURL = baseUrl ?? pc.baseURL ?? defaultBaseURL(id, { region: pc.region });
  if (!baseURL) {
    throw new ConfigError(`provider ${id} needs an endpoint`, {
      code: 'config_base_url',
      hint: `pass --base-url (e.g. http://localhost:11434/v1 for Ollama) or set providers.${id}.baseURL`,
    });
  }
  const { listRemoteModels } = await import('../providers/list-models.js');
  return listRemoteModels({ id, apiKey: key.value, apiKeySource: key.source, baseURL: baseURL.replace(/\/+$/, ''), headers: pc.headers });
}
