import type { CliContext } from '../cli/main.js';
import { resolveConfig, resolveDaytona } from '../config/resolve.js';
import { ConfigError } from '../errors.js';

/** `ptc sandbox prune`: list the Daytona sandboxes ptc left behind (label app=ptc), then delete them. */
export async function sandboxPruneCommand(ctx: CliContext, opts: { dryRun?: boolean; json?: boolean }): Promise<number> {
  const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env });
  for (const w of cfg.warnings) ctx.io.logger.warn(w);
  const d = resolveDaytona(cfg);
  if (!d.apiKey.value) {
    throw new ConfigError(`no Daytona API key: set ${d.apiKey.candidates[0]}`, { code: 'missing_key', hint: 'prune deletes sandboxes in your Daytona account, so it needs its key' });
  }
  ctx.io.addSecret(d.apiKey.value);
  const { pruneSandboxes } = await import('../sandbox/prune.js');
  const result = await pruneSandboxes({
    apiKey: d.apiKey.value,
    apiUrl: d.apiUrl.value,
    target: d.target.value ?? undefined,
    dryRun: opts.dryRun,
    logger: ctx.io.logger,
  });
  if (opts.json) {
    ctx.io.print(JSON.stringify({ ok: result.failed.length === 0, dryRun: Boolean(opts.dryRun), ...result }, null, 2));
  } else if (!opts.dryRun) {
    ctx.io.print(`deleted ${result.deleted.length} sandbox(es)${result.failed.length ? `, ${result.failed.length} failed` : ''}`);
  }
  return result.failed.length === 0 ? 0 : 4;
}
