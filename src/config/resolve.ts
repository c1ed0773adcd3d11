import { ConfigError } from '../errors.js';
import { defaultBaseURL } from '../providers/profiles.js';
import type { ProviderId } from '../types.js';
import { environmentWithDotenv } from './dotenv.js';
import { loadRcFiles, type RcFile } from './files.js';
import { literalKeyWarnings } from './literal-keys.js';
import { type ConfigFlags, longFlag, OPTIONS, type OptionSpec, optionNames, type SettingName, type SettingValue } from './options.js';
import type { ProviderConfig, RcConfig } from './schema.js';
import { closest } from './suggest.js';

/** A resolved value and where it came from: `flag --model`, `env PTC_MODEL`, `file /x/.ptcrc.json`, `default`. */
export interface Sourced<T> {
  value: T;
  source: string;
}

/** Flags as a front end gave them (the option table's names); undefined means "not given". */
export type { ConfigFlags } from './options.js';

/**
 * The resolved value of every option with a top-level rc key, and its source — derived from the option table, so
 * an option added there is resolved, shown by `ptc config show` and typed here without another line.
 */
export type Settings = { [K in SettingName]: Sourced<SettingValue<K>> };

export interface ResolvedConfig {
  cwd: string;
  /** The environment with `.env` beneath it. Never printed. */
  env: NodeJS.ProcessEnv;
  dotenvPath: string | null;
  fromDotenv: Set<string>;
  files: RcFile[];
  /** The rc files merged, lowest precedence first. */
  file: RcConfig;
  /** For each leaf key path of `file`, the file it came from. */
  fileSources: Map<string, string>;
  settings: Settings;
  flags: ConfigFlags;
  warnings: string[];
}

export const KEY_ENV_VARS: Record<ProviderId, readonly string[]> = {
  kimi: ['MOONSHOT_API_KEY', 'KIMI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  openrouter: ['OPENROUTER_API_KEY'],
  openai: ['OPENAI_API_KEY'],
  'openai-compatible': ['OPENAI_COMPATIBLE_API_KEY'],
};

/** What resolving reads from disk (.env and the rc files): read once, it can serve many resolutions. */
export type ConfigSources = Pick<ResolvedConfig, 'env' | 'dotenvPath' | 'fromDotenv' | 'files'>;

/**
 * Flags over env over rc files over defaults. With `sources` (an earlier resolution's, e.g. a batch's for each
 * of its tasks) nothing is read again and the files' warnings, already given, are not repeated.
 */
export async function resolveConfig(input: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  flags?: ConfigFlags;
  sources?: ConfigSources;
}): Promise<ResolvedConfig> {
  const warnings: string[] = [];
  const { env, dotenvPath, fromDotenv, files } = input.sources ?? (await readConfigSources(input.cwd, input.env, warnings));
  const { merged, sources } = mergeFiles(files);
  const flags = input.flags ?? {};

  const envSource = (name: string) => `env ${name}${fromDotenv.has(name) ? ' (.env)' : ''}`;
  const fromFile = (key: string) => sources.get(key) ?? 'file';

  /** Flag, then the option's environment variable, then the rc files, then its default. */
  function settle(name: SettingName): Sourced<unknown> {
    const spec: OptionSpec = OPTIONS[name];
    const flag = flags[name];
    if (flag !== undefined) return { value: checked(spec, flag, longFlag(spec.flag)), source: `flag ${flagShown(spec, flag)}` };
    const raw = spec.env ? env[spec.env]?.trim() : undefined;
    if (spec.env && raw) return { value: checked(spec, raw, spec.env), source: envSource(spec.env) };
    const fileValue = (merged as Record<string, unknown>)[name];
    if (fileValue !== undefined) return { value: fileValue, source: fromFile(name) };
    return { value: spec.type === 'paths' ? [] : (spec.default ?? null), source: 'default' };
  }
  const settings = Object.fromEntries(optionNames({ config: true }).map((name) => [name, settle(name as SettingName)])) as Settings;

  // A model chosen at a lower precedence than the provider belongs to another provider: that provider's own
  // model (providers.<id>.model) or its default is meant instead.
  const rank = (s: string) => (s.startsWith('flag') ? 3 : s.startsWith('env') ? 2 : s.startsWith('default') ? 0 : 1);
  const provider = settings.provider;
  if (settings.model.value === null || rank(settings.model.source) < rank(provider.source)) {
    const own = merged.providers?.[provider.value]?.model;
    settings.model = own ? { value: own, source: fromFile(`providers.${provider.value}.model`) } : { value: null, source: 'default' };
  }
  // With a Daytona key configured and nothing chosen, the cloud sandbox is the one the user set up.
  if (settings.sandbox.source === 'default' && daytonaKeyVar(merged, env)) {
    settings.sandbox = { value: 'daytona', source: 'default (a Daytona key is configured)' };
  }

  return {
    cwd: input.cwd,
    env,
    dotenvPath,
    fromDotenv,
    files,
    file: merged,
    fileSources: sources,
    settings,
    flags,
    warnings,
  };
}

async function readConfigSources(cwd: string, baseEnv: NodeJS.ProcessEnv, warnings: string[]): Promise<ConfigSources> {
  const { env, dotenvPath, fromDotenv } = environmentWithDotenv(cwd, baseEnv);
  const files = await loadRcFiles({ cwd, env, warn: (m) => warnings.push(m) });
  warnings.push(...literalKeyWarnings(files));
  return { env, dotenvPath, fromDotenv, files };
}

/** A value given by a flag or an environment variable, as the option's type wants it: choices are checked here. */
function checked(spec: OptionSpec, value: unknown, where: string): unknown {
  return spec.type === 'enum' ? oneOf(String(value), spec.values, where) : value;
}

/** The flag as the user typed it: `--no-run` for a boolean turned off by its negation. */
function flagShown(spec: OptionSpec, value: unknown): string {
  return value === false && spec.negation ? longFlag(spec.negation.flag) : longFlag(spec.flag);
}

function oneOf<T extends string>(raw: string, allowed: readonly T[], where: string): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  const suggestion = closest(raw, allowed);
  throw new ConfigError(
    `${where}: unknown value "${raw}"; expected one of ${allowed.join(', ')}` +
      (suggestion ? ` (did you mean "${suggestion}"?)` : ''),
    { code: where.startsWith('-') ? 'usage' : 'config_invalid' },
  );
}

/** Deep-merge rc files (later wins), remembering which file each leaf came from. */
export function mergeFiles(files: RcFile[]): { merged: RcConfig; sources: Map<string, string> } {
  const merged: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const file of files) mergeInto(merged, file.config as Record<string, unknown>, [], `file ${file.path}`, sources);
  return { merged: merged as RcConfig, sources };
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  path: string[],
  origin: string,
  sources: Map<string, string>,
): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const here = [...path, key];
    // Leaf maps (headers, pricing entries) are merged too, which is what a user overriding one price expects.
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const existing = target[key];
      const child =
        existing && typeof existing === 'object' && !Array.isArray(existing)
          ? (existing as Record<string, unknown>)
          : {};
      target[key] = child;
      mergeInto(child, value as Record<string, unknown>, here, origin, sources);
    } else {
      target[key] = value;
      sources.set(here.join('.'), origin);
    }
  }
}

// ---------- keys ----------

export interface ResolvedKey {
  value: string | null;
  /** What to tell the user about where the key came from: a variable name or a file. Never the value. */
  source: string | null;
  /** The variables that would be read, for "set X" messages. */
  candidates: string[];
}

export function providerConfigOf(cfg: ResolvedConfig, id: ProviderId): ProviderConfig {
  return cfg.file.providers?.[id] ?? {};
}

/** The endpoint for provider `id`: --base-url, else providers.<id>.baseURL, else the provider's own; null if none. */
export function baseUrlOf(cfg: ResolvedConfig, id: ProviderId): string | null {
  const pc = providerConfigOf(cfg, id);
  return cfg.flags.baseUrl ?? pc.baseURL ?? defaultBaseURL(id, { region: pc.region });
}

/** The local sandbox's isolation: `none` with --no-isolation, else `local.isolation` from the rc files, else auto. */
export function isolationOf(cfg: ResolvedConfig): 'auto' | 'bwrap' | 'none' {
  return cfg.flags.isolation === false ? 'none' : (cfg.file.local?.isolation ?? 'auto');
}

export function resolveApiKey(cfg: ResolvedConfig, id: ProviderId): ResolvedKey {
  const pc = providerConfigOf(cfg, id);
  const candidates = pc.apiKeyEnv ? [pc.apiKeyEnv] : [...KEY_ENV_VARS[id]];
  for (const name of candidates) {
    const value = cfg.env[name];
    if (value && value.trim() !== '') {
      return { value: value.trim(), source: name + (cfg.fromDotenv.has(name) ? ' (from .env)' : ''), candidates };
    }
  }
  if (pc.apiKey) {
    return { value: pc.apiKey, source: `providers.${id}.apiKey in ${cfg.fileSources.get(`providers.${id}.apiKey`)?.replace(/^file /, '') ?? 'an rc file'}`, candidates };
  }
  return { value: null, source: null, candidates };
}

/** The key, or a ConfigError that says exactly which variable to set. openai-compatible may go without. */
export function requireApiKey(cfg: ResolvedConfig, id: ProviderId): ResolvedKey {
  const key = resolveApiKey(cfg, id);
  if (key.value || id === 'openai-compatible') return key;
  const vars = key.candidates;
  const named = vars.length > 1 ? `${vars[0]} (or ${vars.slice(1).join(', ')})` : vars[0];
  throw new ConfigError(`no API key for provider ${id}: set ${named}`, {
    code: 'missing_key',
    hint: `export ${vars[0]}=... in your shell or .env, or name another variable with providers.${id}.apiKeyEnv in your rc file`,
  });
}

function daytonaKeyVar(file: RcConfig, env: NodeJS.ProcessEnv): string | null {
  const name = file.daytona?.apiKeyEnv ?? 'DAYTONA_API_KEY';
  const value = env[name];
  return value && value.trim() !== '' ? name : null;
}

export const DEFAULT_DAYTONA_API_URL = 'https://app.daytona.io/api';

export interface DaytonaSettings {
  apiKey: ResolvedKey;
  apiUrl: Sourced<string>;
  target: Sourced<string | null>;
  autoStopMinutes: number;
  snapshot: Sourced<string | null>;
  /** Whether front ends that run many tasks lend pooled sandboxes (`daytona.pool`, default true). */
  pool: boolean;
}

export function resolveDaytona(cfg: ResolvedConfig): DaytonaSettings {
  const name = cfg.file.daytona?.apiKeyEnv ?? 'DAYTONA_API_KEY';
  const keyValue = cfg.env[name]?.trim() || null;
  const envUrl = cfg.env.DAYTONA_API_URL?.trim();
  const envTarget = cfg.env.DAYTONA_TARGET?.trim();
  return {
    apiKey: { value: keyValue, source: keyValue ? name : null, candidates: [name] },
    apiUrl: envUrl
      ? { value: envUrl, source: 'env DAYTONA_API_URL' }
      : cfg.file.daytona?.apiUrl
        ? { value: cfg.file.daytona.apiUrl, source: cfg.fileSources.get('daytona.apiUrl') ?? 'file' }
        : { value: DEFAULT_DAYTONA_API_URL, source: 'default' },
    target: envTarget
      ? { value: envTarget, source: 'env DAYTONA_TARGET' }
      : cfg.file.daytona?.target
        ? { value: cfg.file.daytona.target, source: cfg.fileSources.get('daytona.target') ?? 'file' }
        : { value: null, source: 'default' },
    autoStopMinutes: cfg.file.daytona?.autoStopMinutes ?? 15,
    snapshot: cfg.file.daytona?.snapshot
      ? { value: cfg.file.daytona.snapshot, source: cfg.fileSources.get('daytona.snapshot') ?? 'file' }
      : { value: null, source: 'default' },
    pool: cfg.file.daytona?.pool ?? true,
  };
}

/** A secret as it may be shown: at most its last 4 characters, none for short ones. */
export function redact(secret: string | null | undefined): string {
  if (!secret) return '(not set)';
  return secret.length >= 12 ? `…${secret.slice(-4)}` : '…(hidden)';
}
