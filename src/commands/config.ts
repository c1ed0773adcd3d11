import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliContext } from '../cli/context.js';
import { configuredSecrets } from '../config/configured-secrets.js';
import { providerArg } from '../config/provider-arg.js';
import { renderErrorLines } from '../cli/render-error.js';
import { environmentWithDotenv } from '../config/dotenv.js';
import { type BrokenRcFile, loadRcFiles, type RcFileKind, userConfigDir } from '../config/files.js';
import { literalKeyWarnings } from '../config/literal-keys.js';
import {
  KEY_ENV_VARS,
  redact,
  resolveApiKey,
  resolveConfig,
  resolveDaytona,
  type ResolvedConfig,
} from '../config/resolve.js';
import { ExitCode, UsageError } from '../errors.js';
import { LANGS } from '../languages/registry.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';

interface Row {
  key: string;
  /** null for a setting with no value: `(unset)` in the text view, `null` in JSON. */
  value: string | null;
  source: string;
}

/** Every setting with its value and where it came from; keys shown by their last 4 characters at most. */
export function configRows(cfg: ResolvedConfig): Row[] {
  const rows: Row[] = [];
  for (const [key, s] of Object.entries(cfg.settings)) {
    const value = Array.isArray(s.value) ? (s.value.length > 0 ? s.value.join(' ') : null) : s.value === null ? null : String(s.value);
    rows.push({ key, value, source: s.source });
  }
  for (const id of PROVIDER_IDS) {
    const key = resolveApiKey(cfg, id);
    rows.push({
      key: `providers.${id}.apiKey`,
      value: redact(key.value),
      source: key.source ?? `set ${KEY_ENV_VARS[id][0]}${id === 'openai-compatible' ? ' (optional)' : ''}`,
    });
    const pc = cfg.file.providers?.[id];
    for (const field of ['baseURL', 'model', 'region'] as const) {
      if (pc?.[field] !== undefined) {
        rows.push({ key: `providers.${id}.${field}`, value: String(pc[field]), source: cfg.fileSources.get(`providers.${id}.${field}`) ?? 'file' });
      }
    }
  }
  const d = resolveDaytona(cfg);
  rows.push({ key: 'daytona.apiKey', value: redact(d.apiKey.value), source: d.apiKey.source ?? 'set DAYTONA_API_KEY (optional)' });
  rows.push({ key: 'daytona.apiUrl', value: d.apiUrl.value, source: d.apiUrl.source });
  if (d.target.value) rows.push({ key: 'daytona.target', value: d.target.value, source: d.target.source });
  if (d.snapshot.value) rows.push({ key: 'daytona.snapshot', value: d.snapshot.value, source: d.snapshot.source });
  for (const section of ['local', 'limits', 'prompt', 'history'] as const) {
    const obj = cfg.file[section] as Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(obj ?? {})) {
      const text = typeof v === 'string' && v.length > 60 ? `${v.slice(0, 57)}…` : String(v);
      rows.push({ key: `${section}.${k}`, value: text, source: cfg.fileSources.get(`${section}.${k}`) ?? 'file' });
    }
  }
  for (const model of Object.keys(cfg.file.pricing ?? {})) {
    rows.push({ key: `pricing.${model}`, value: JSON.stringify(cfg.file.pricing![model]), source: 'file' });
  }
  return rows;
}

export async function configShowCommand(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env });
  for (const w of cfg.warnings) ctx.io.logger.warn(w);
  ctx.io.addSecrets(configuredSecrets(cfg));
  const rows = configRows(cfg);
  if (opts.json) {
    ctx.io.print(
      JSON.stringify(
        {
          files: cfg.files.map((f) => ({ path: f.path, kind: f.kind })),
          dotenv: cfg.dotenvPath,
          settings: Object.fromEntries(rows.map((r) => [r.key, { value: r.value, source: r.source }])),
          warnings: cfg.warnings,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const c = ctx.io.out;
  const width = Math.max(...rows.map((r) => r.key.length));
  const shown = (r: Row) => r.value ?? '(unset)';
  const valueWidth = Math.min(40, Math.max(...rows.map((r) => shown(r).length)));
  for (const r of rows) ctx.io.print(`${r.key.padEnd(width)}  ${shown(r).padEnd(valueWidth)}  ${c.dim(r.source)}`);
  ctx.io.print(c.dim(cfg.files.length ? `\nfiles read: ${cfg.files.map((f) => f.path).join(', ')}` : '\nno rc file found (ptc config init writes one)'));
  return 0;
}

/** The kinds of rc file in precedence order, lowest first, as `config path` lists them. */
const KIND_ORDER: Record<RcFileKind, number> = { user: 0, project: 1, explicit: 2 };

/**
 * The rc files ptc reads. It resolves nothing, so it works when a file is broken — the command that finds
 * the file must not fail on it: every file is listed, a broken one with what is wrong, then exit 2.
 */
export async function configPathCommand(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const warnings: string[] = [];
  const broken: BrokenRcFile[] = [];
  const { env, dotenvPath } = environmentWithDotenv(ctx.cwd, ctx.env);
  const files = await loadRcFiles({ cwd: ctx.cwd, env, warn: (m) => warnings.push(m), onBroken: (f) => broken.push(f) });
  warnings.push(...literalKeyWarnings(files));
  for (const w of warnings) ctx.io.logger.warn(w);
  const listed = [
    ...files.map((f) => ({ path: f.path, kind: f.kind, problem: null as string | null })),
    ...broken.map((b) => ({ path: b.path, kind: b.kind, problem: b.error.message })),
  ].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  const userDir = userConfigDir(env);
  const error = broken[0]?.error ?? null;
  if (opts.json) {
    const doc = {
      files: listed,
      dotenv: dotenvPath,
      userConfigDir: userDir,
      explicit: env.PTC_CONFIG ?? null,
      error: error ? { code: error.code, message: error.message, hint: error.hint, retryable: error.retryable } : null,
    };
    ctx.io.print(JSON.stringify(doc, null, 2));
  } else {
    const c = ctx.io.out;
    if (listed.length === 0) ctx.io.print(`no rc file found (searched from ${ctx.cwd} up, and ${userDir})`);
    for (const f of listed) ctx.io.print(`${f.path}  ${c.dim(`(${f.kind})`)}${f.problem ? `  ${c.red('✗ broken:')} ${f.problem.replace(/^.*?: /, '')}` : ''}`);
    if (dotenvPath) ctx.io.print(`${dotenvPath}  ${c.dim('(.env: variables not already set)')}`);
  }
  // Printed first, failed after: the listing is what the user came for, the exit code is for scripts.
  for (const b of broken) renderErrorLines(ctx.io, b.error);
  return error ? ExitCode.usage : ExitCode.ok;
}

export function starterConfig(provider: ProviderId): Record<string, unknown> {
  return {
    provider,
    lang: LANGS[0],
    run: true,
    sandbox: 'local',
    fix: 1,
    providers: Object.fromEntries(PROVIDER_IDS.filter((id) => id !== 'openai-compatible').map((id) => [id, { apiKeyEnv: KEY_ENV_VARS[id][0] }])),
  };
}

export async function configInitCommand(ctx: CliContext, opts: { provider?: string; force?: boolean }): Promise<number> {
  const provider = providerArg(opts.provider ?? 'kimi');
  const path = join(ctx.cwd, '.ptcrc.json');
  if (existsSync(path) && !opts.force) {
    throw new UsageError(`${path} already exists; not overwriting it`, { code: 'overwrite_refused', hint: 'edit it, or pass --force to replace it' });
  }
  writeFileSync(path, JSON.stringify(starterConfig(provider), null, 2) + '\n', { flag: opts.force ? 'w' : 'wx' });
  ctx.io.print(`wrote ${path}`);
  ctx.io.logger.info(`next: export ${KEY_ENV_VARS[provider][0]}=... (or put it in .env), then ptc doctor`);
  return 0;
}
