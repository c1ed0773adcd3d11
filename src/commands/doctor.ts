import { spawnSync } from 'node:child_process';
import type { CliContext } from '../cli/context.js';
import { configuredSecrets } from '../config/configured-secrets.js';
import { baseUrlOf, KEY_ENV_VARS, providerConfigOf, resolveApiKey, resolveConfig, resolveDaytona, type ResolvedConfig } from '../config/resolve.js';
import { environmentWithDotenv } from '../config/dotenv.js';
import type { ConfigFlags } from '../config/options.js';
import { providerArg } from '../config/provider-arg.js';
import { ExitCode, toPtcError } from '../errors.js';
import { PROVIDER_IDS, type PytestPluginPolicy } from '../types.js';

import type { Check } from './doctor-check.js';

export type { Check };

export interface DoctorOptions {
  json?: boolean;
  offline?: boolean;
  provider?: string;
  model?: string;
  baseUrl?: string;
}

export async function doctorCommand(ctx: CliContext, opts: DoctorOptions): Promise<number> {
  // A mistyped -p is the command's own mistake, not a finding: said once, before any check.
  const flags = { provider: opts.provider === undefined ? undefined : providerArg(opts.provider), model: opts.model, baseUrl: opts.baseUrl };
  const checks = await runChecks(ctx, { offline: Boolean(opts.offline), flags });
  const failed = checks.some((c) => c.status === 'fail');
  if (opts.json) {
    ctx.io.print(JSON.stringify({ ok: !failed, checks }, null, 2));
  } else {
    const c = ctx.io.out;
    const mark = { ok: c.green('✔'), fail: c.red('✗'), warn: c.yellow('!'), skip: c.dim('-') };
    const width = Math.max(...checks.map((x) => x.name.length));
    for (const x of checks) {
      ctx.io.print(`${mark[x.status]} ${x.name.padEnd(width)}  ${x.detail}${x.hint ? c.dim(`  → ${x.hint}`) : ''}`);
    }
  }
  return failed ? 2 : 0;
}

/**
 * Every check runs, whatever an earlier one found: a broken rc file is one failed check, and the rest run on
 * the environment and the defaults (flags still apply), so one `ptc doctor` shows everything there is to fix.
 */
export async function runChecks(ctx: CliContext, o: { offline: boolean; flags?: ConfigFlags }): Promise<Check[]> {
  const checks: Check[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const nodeOk = major > 20 || (major === 20 && minor >= 19);
  checks.push({ name: 'node', status: nodeOk ? 'ok' : 'fail', detail: `v${process.versions.node}`, hint: nodeOk ? undefined : 'ptc needs Node.js 20.19 or newer' });

  const cfg = await configCheck(ctx, o.flags ?? {}, checks);
  if (cfg) {
    ctx.io.addSecrets(configuredSecrets(cfg));
    await providerChecks(ctx, cfg, o.offline, checks);
  }

  // The same probe the local sandbox makes: a jail with every namespace unshared, not just "is it installed".
  const { findBwrap, usableBwrap } = await import('../sandbox/isolation.js');
  const bwrap = await usableBwrap();
  const sandboxKind = cfg?.settings.sandbox.value ?? 'local';
  checks.push(
    bwrap
      ? { name: 'sandbox local', status: 'ok', detail: 'bubblewrap works (no network, read-only system)' }
      : {
          name: 'sandbox local',
          status: sandboxKind === 'local' ? 'fail' : 'warn',
          detail: findBwrap() ? 'bubblewrap is installed but cannot create namespaces here' : 'bubblewrap not found',
          hint: 'apt-get install bubblewrap (or brew/dnf equivalent); --no-isolation runs without it, unsafely',
        },
  );
  checks.push(await limitsCheck(cfg, bwrap !== null));
  checks.push(await pytestCheck(cfg?.file.local?.python ?? null, cfg?.file.local?.pytestPlugins ?? 'used'));
  checks.push({ name: 'node tests', status: 'ok', detail: `node --test (v${process.versions.node})` });
  if (cfg) checks.push(await daytonaCheck(ctx, cfg, o.offline));
  return checks;
}

/** The config check; on a broken rc file, the configuration without the rc files (null if even that fails). */
async function configCheck(ctx: CliContext, flags: ConfigFlags, checks: Check[]): Promise<ResolvedConfig | null> {
  try {
    const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env, flags });
    checks.push({
      name: 'config',
      status: cfg.warnings.length ? 'warn' : 'ok',
      detail: cfg.files.length ? cfg.files.map((f) => f.path).join(', ') : 'no rc file (defaults and environment)',
      hint: cfg.warnings[0],
    });
    return cfg;
  } catch (err) {
    const e = toPtcError(err);
    if (e.exitCode !== ExitCode.usage) throw e;
    checks.push({ name: 'config', status: 'fail', detail: `${e.message}; the checks below leave the rc files out`, hint: e.hint ?? undefined });
  }
  try {
    const { env, dotenvPath, fromDotenv } = environmentWithDotenv(ctx.cwd, ctx.env);
    return await resolveConfig({ cwd: ctx.cwd, env: ctx.env, flags, sources: { env, dotenvPath, fromDotenv, files: [] } });
  } catch (err) {
    // The environment itself is wrong (PTC_PROVIDER=bogus, say): the config check has said so.
    const e = toPtcError(err);
    if (e.exitCode !== ExitCode.usage) throw e;
    checks.push({ name: 'environment', status: 'fail', detail: e.message, hint: e.hint ?? undefined });
    return null;
  }
}

/** Keys for every provider; for the selected one, the endpoint, the key and the model with one model-list request. */
async function providerChecks(ctx: CliContext, cfg: ResolvedConfig, offline: boolean, checks: Check[]): Promise<void> {
  const selected = cfg.settings.provider.value;
  for (const id of PROVIDER_IDS) {
    const key = resolveApiKey(cfg, id);
    ctx.io.addSecret(key.value);
    const isSelected = id === selected;
    if (key.value) checks.push({ name: `key ${id}`, status: 'ok', detail: `from ${key.source}` });
    else if (id === 'openai-compatible') checks.push({ name: `key ${id}`, status: 'skip', detail: 'optional' });
    else
      checks.push({
        name: `key ${id}`,
        status: isSelected ? 'fail' : 'skip',
        detail: isSelected ? `not set, and ${id} is the selected provider` : 'not set',
        hint: `set ${KEY_ENV_VARS[id][0]}`,
      });
  }

  const base = baseUrlOf(cfg, selected)?.replace(/\/+$/, '');
  const name = `endpoint ${selected}`;
  if (offline) return void checks.push({ name, status: 'skip', detail: '--offline' });
  if (!base) return void checks.push({ name, status: 'fail', detail: 'no base URL', hint: `pass --base-url or set providers.${selected}.baseURL` });
  const key = resolveApiKey(cfg, selected);
  const { defaultModel } = await import('../cost/catalog.js');
  const { probeEndpoint } = await import('./doctor-endpoint.js');
  checks.push(
    ...(await probeEndpoint({
      id: selected,
      baseURL: base,
      apiKey: key.value,
      apiKeySource: key.source,
      keyOptional: selected === 'openai-compatible',
      headers: providerConfigOf(cfg, selected).headers,
      model: cfg.settings.model.value ?? (selected === 'openai-compatible' ? null : defaultModel(selected)),
    })),
  );
}

async function daytonaCheck(ctx: CliContext, cfg: ResolvedConfig, offline: boolean): Promise<Check> {
  const daytona = resolveDaytona(cfg);
  ctx.io.addSecret(daytona.apiKey.value);
  const wantsDaytona = cfg.settings.sandbox.value === 'daytona';
  if (!daytona.apiKey.value) {
    return { name: 'sandbox daytona', status: wantsDaytona ? 'fail' : 'skip', detail: 'no DAYTONA_API_KEY', hint: wantsDaytona ? 'set DAYTONA_API_KEY or use --sandbox local' : undefined };
  }
  if (offline) return { name: 'sandbox daytona', status: 'skip', detail: `key from ${daytona.apiKey.source}; --offline` };
  return reachable('sandbox daytona', daytona.apiUrl.value);
}

/** Who the generated code runs as, and the limits it runs under (local.limits). */
async function limitsCheck(cfg: ResolvedConfig | null, isolated: boolean): Promise<Check> {
  const [{ describeLimits, resolveLimits }, { hostIsRoot, SANDBOX_UID, systemTool }] = await Promise.all([
    import('../sandbox/limits.js'),
    import('../sandbox/isolation.js'),
  ]);
  const who = hostIsRoot()
    ? `code runs unprivileged as host uid ${SANDBOX_UID} (nobody), not root`
    : `code runs unprivileged with your uid (uid ${SANDBOX_UID} inside)`;
  const limits = resolveLimits(cfg?.file.local?.limits);
  if (!systemTool('prlimit')) {
    return {
      name: 'sandbox limits',
      status: 'warn',
      detail: `${who}; memory, process and file size limits NOT applied: prlimit not found`,
      hint: 'install util-linux (it provides prlimit)',
    };
  }
  return { name: 'sandbox limits', status: 'ok', detail: `${who}; ${describeLimits(limits, { isolated })}` };
}

const PYTEST_PROBE =
  'import json, pytest\nfrom importlib.metadata import entry_points\n' +
  'print(json.dumps({"version": pytest.__version__, ' +
  '"plugins": sorted({ep.dist.name for ep in entry_points(group="pytest11") if ep.dist})}))';

/**
 * The python the local sandbox would run tests with (`local.python`, or the first on PATH with pytest), its
 * pytest, and its installed plugins with whether the sandbox loads them.
 */
async function pytestCheck(configured: string | null, policy: PytestPluginPolicy): Promise<Check> {
  const { hostPython } = await import('../sandbox/env.js');
  const python = await hostPython(configured);
  if (!python) {
    return configured
      ? { name: 'python tests', status: 'warn', detail: `local.python ${configured} does not run`, hint: 'point local.python at a python 3 with pytest' }
      : { name: 'python tests', status: 'warn', detail: 'no python3 or python on PATH', hint: 'install Python 3 with pytest (needed for --lang python with the local sandbox)' };
  }
  const r = python.pytest ? spawnSync(python.executable, ['-c', PYTEST_PROBE], { encoding: 'utf8', timeout: 20_000 }) : null;
  let found: { version: string; plugins: string[] } | null = null;
  try {
    found = r?.status === 0 ? (JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { version: string; plugins: string[] }) : null;
  } catch {
    found = null;
  }
  if (!found) {
    return {
      name: 'python tests',
      status: 'warn',
      detail: `${python.executable} has no pytest (tried ${python.tried.join(', ')})`,
      hint: `${python.executable} -m pip install pytest, or set local.python to a python that has it (needed for --lang python with the local sandbox)`,
    };
  }
  const plugins = found.plugins.length === 0
    ? 'no plugins installed'
    : policy === 'all'
      ? `plugins always loaded (local.pytestPlugins: all): ${found.plugins.join(', ')}`
      : `plugins loaded only when the code uses them: ${found.plugins.join(', ')}`;
  return { name: 'python tests', status: 'ok', detail: `${python.executable} (${python.chosenBy}): pytest ${found.version}; ${plugins}` };
}

/** Any HTTP answer means the host is there; only a network failure or a timeout fails the check. */
async function reachable(name: string, url: string): Promise<Check> {
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return { name, status: 'ok', detail: `${url} answered (HTTP ${res.status})` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { name, status: 'fail', detail: `cannot reach ${url} (${cause})`, hint: 'check the network, a proxy, or the base URL' };
  }
}
