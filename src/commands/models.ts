import type { CliContext } from '../cli/main.js';
import { resolveConfig } from '../config/resolve.js';
import { UsageError } from '../errors.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';

export async function modelsCommand(ctx: CliContext, opts: { provider?: string; json?: boolean }): Promise<number> {
  if (opts.provider && !PROVIDER_IDS.includes(opts.provider as ProviderId)) {
    throw new UsageError(`unknown provider "${opts.provider}"`, { hint: `use one of: ${PROVIDER_IDS.join(', ')}` });
  }
  const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env });
  for (const w of cfg.warnings) ctx.io.logger.warn(w);
  const { loadCatalog } = await import('../cost/catalog.js');
  const { modelsView } = await import('../cost/models-view.js');
  const view = modelsView(loadCatalog(cfg.file.pricing as never), { provider: opts.provider as ProviderId | undefined });
  ctx.io.print(opts.json ? JSON.stringify(view.json, null, 2) : view.text);
  return 0;
}
