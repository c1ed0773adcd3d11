import type { CliContext } from '../cli/context.js';
import { configuredSecrets } from '../config/configured-secrets.js';
import { resolveConfig, resolveDaytona } from '../config/resolve.js';
import { ConfigError, UsageError } from '../errors.js';

/** `ptc sandbox prune`: list the Daytona sandboxes ptc left behind (label app=ptc), then delete them. */
export async function sandboxPruneCommand(ctx: CliContext, opts: { dryRun?: boolean; json?: boolean }): Promise<number> {
  const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env });
  ctx.io.addSecrets(configuredSecrets(cfg));
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
    const extra = [
      result.skipped.length ? `${result.skipped.length} skipped (mid-transition)` : '',
      result.failed.length ? `${result.failed.length} failed` : '',
    ].filter(Boolean);
    ctx.io.print(`deleted ${result.deleted.length} sandbox(es)${extra.length ? `, ${extra.join(', ')}` : ''}`);
  }
  // Skipped sandboxes are Daytona's to finish: everything prune could delete was deleted.
  return result.failed.length === 0 ? 0 : 4;
}

/**
 * `ptc sandbox snapshot create [--name] [--package ...]`: build a snapshot with pytest preinstalled and print its
 * name for `daytona.snapshot`. Progress (state changes, the build log) goes to stderr; the name to stdout.
 */
export async function sandboxSnapshotCreateCommand(
  ctx: CliContext,
  opts: { name?: string; package?: string[]; json?: boolean },
): Promise<number> {
  const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env });
  ctx.io.addSecrets(configuredSecrets(cfg));
  for (const w of cfg.warnings) ctx.io.logger.warn(w);
  const d = resolveDaytona(cfg);
  if (!d.apiKey.value) {
    throw new ConfigError(`no Daytona API key: set ${d.apiKey.candidates[0]}`, { code: 'missing_key', hint: 'the snapshot is built in your Daytona account, so it needs its key' });
  }
  if (opts.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(opts.name)) {
    throw new UsageError(`invalid snapshot name: ${JSON.stringify(opts.name)}`, {
      hint: 'use letters, digits, dots, dashes and underscores (at most 63), e.g. --name ptc-python',
    });
  }
  ctx.io.addSecret(d.apiKey.value);
  const { createPtcSnapshot } = await import('../sandbox/daytona-snapshot.js');
  const made = await createPtcSnapshot({
    apiKey: d.apiKey.value,
    apiUrl: d.apiUrl.value,
    target: d.target.value ?? undefined,
    name: opts.name,
    packages: opts.package,
    logger: ctx.io.logger,
    onLog: (line) => ctx.io.logger.info(line),
    signal: ctx.lifecycle.signal,
  });
  if (opts.json) {
    ctx.io.print(JSON.stringify({ ok: true, ...made }, null, 2));
    return 0;
  }
  ctx.io.print(
    [
      made.existed ? `snapshot ${made.name} already exists (active); nothing was built` : `snapshot ${made.name} is ${made.state}`,
      'to run Python tests in it (pytest preinstalled, no install per run), put this in your rc file:',
      `  "daytona": { "snapshot": "${made.name}" }`,
    ].join('\n'),
  );
  return 0;
}
