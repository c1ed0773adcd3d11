import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { configuredSecrets } from '../config/configured-secrets.js';
import { type AnyOptionValues, configFlagsOf } from '../config/options.js';
import { baseUrlOf, type ConfigSources, isolationOf, type ResolvedConfig, providerConfigOf, requireApiKey, resolveConfig, resolveDaytona } from '../config/resolve.js';
import { runPipeline, type PipelineDeps, type PipelineOptions } from '../core/pipeline.js';
import { ConfigError, PtcError, toPtcError } from '../errors.js';
import { getLanguage } from '../languages/registry.js';
import { effectiveFix } from './fix-needs-run.js';
import type { UserFiles } from './user-files.js';
import type { SourceFile, UserTests } from '../sandbox/run-context.js';
import { timeoutInPhase } from './timeout-phase.js';
import { withSavedReply } from './saved-reply.js';
import { finishResult, newDraft, type ResultDraft } from '../report/build.js';
import type { Result } from '../report/result-schema.js';
import type { Lang } from '../languages/registry.js';
import type { Logger, Provider, ProviderId, Sandbox } from '../types.js';
import type { SandboxPool } from '../sandbox/pool.js';
import { rememberedNotices } from '../history/notices.js';

/**
 * The options of generate / apply / run, as a front end gives them (CLI flags, MCP arguments, HTTP body, batch
 * line): the option table's, plus how the CLI prints.
 */
export interface PipelineCommandOptions extends AnyOptionValues {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export interface PipelineRequest {
  command: Result['command'];
  prompt: string | null;
  replyText: string | null;
  runDir: string | null;
  /** Names the default output folder when there is no prompt (apply: the reply file's name). */
  nameHint?: string;
  options: PipelineCommandOptions;
  /**
   * The user's tests already in memory (a caller such as eval that holds them): used as they are, beside any
   * read from `options.tests` / `options.hiddenTests`. Paths are relative to the output (or run) folder.
   */
  userTests?: UserTests;
  /** Context files already in memory, beside any read from `options.context`. */
  contextFiles?: SourceFile[];
}

/** What a front end (CLI, MCP, HTTP) hands over to run the pipeline and get the contract's result. */
export interface ExecuteContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  signal: AbortSignal;
  registerCleanup: (fn: () => Promise<void>) => () => void;
  addSecret: (value: string | null) => void;
  /** Live progress hooks; the CLI draws a line on a TTY, others may report progress their own way. */
  onPhase?: (text: string) => void;
  onDelta?: PipelineDeps['onDelta'];
  onRound?: PipelineDeps['onRound'];
  /** Directory that output must stay inside (the HTTP service confines clients to its root). */
  confineTo?: string;
  /**
   * Directory that `tests`, `hiddenTests` and `context` paths must stay inside, where it is not `confineTo`
   * (ptc batch: its working directory, since a tasks file may come from anywhere).
   */
  confineInputsTo?: string;
  /** Called once after every model call (the spend history). */
  onCall?: PipelineDeps['onCall'];
  /** Limits shared with other runs (ptc batch): model calls, and sandboxes. */
  gate?: PipelineDeps['gate'];
  sandboxGate?: PipelineDeps['sandboxGate'];
  /** A budget shared with other runs (ptc batch's --max-cost). */
  budget?: PipelineDeps['budget'];
  /** Whether a once-per-machine notice is new (default: remembered in ptc's data directory). */
  firstNotice?: PipelineDeps['firstNotice'];
  /** .env and rc files already read (ptc batch reads them once for all its tasks). */
  configSources?: ConfigSources;
  /** Warm Daytona sandboxes shared by the runs of a batch, a server (serve, mcp). */
  sandboxPool?: SandboxPool;
  /** Wraps the provider this run makes (eval's --record saves each reply as it arrives). */
  wrapProvider?: (provider: Provider) => Provider;
  /** Stands in for the configured provider, so no key or endpoint is needed (eval's --replay of recorded replies). */
  replayProvider?: (id: ProviderId, model: string) => Provider;
}

/** A pooled sandbox's runner install, done once per sandbox, gets this long. */
const POOL_WARM_TIMEOUT_MS = 120_000;

export interface Executed {
  result: Result;
  planText: string | null;
  /** What ended the run, as thrown (its cause keeps the stack of a bug); null when it ran to the end. */
  error: PtcError | null;
  /** The rc file's `history` settings this run resolved, for recording its calls without resolving again. */
  history: ResolvedConfig['file']['history'];
}

/** Runs one request to the end and always returns a result: errors become `result.error`, never throws. */
export async function executeRequest(req: PipelineRequest, ctx: ExecuteContext): Promise<Executed> {
  const draft = newDraft(req.command);
  let planText: string | null = null;
  let history: Executed['history'];
  // The phase the run was in when its signal fired, to tell a time limit hit while the tests run from one hit
  // while the model answers (the cleanup that follows enters a phase of its own).
  let phase: string | null = null;
  let phaseAtAbort: string | null = null;
  // Where the run writes and whether it tests: the error after a paid call names the saved reply with them.
  let target: { outDir: string | null; run: boolean } = { outDir: null, run: false };
  ctx.signal.addEventListener('abort', () => (phaseAtAbort = phase), { once: true });
  const outer = ctx;
  ctx = {
    ...ctx,
    onPhase: (p) => {
      phase = p;
      outer.onPhase?.(p);
    },
  };
  try {
    const cfg = await resolveConfig({ cwd: ctx.cwd, env: ctx.env, flags: configFlagsOf(req.options), sources: ctx.configSources });
    history = cfg.file.history;
    // Every key the configuration knows, not only the active provider's: a prompt, a reply or a provider's
    // error may quote any of them, and none may reach an output, a log or the history.
    for (const secret of configuredSecrets(cfg)) ctx.addSecret(secret);
    for (const w of cfg.warnings) {
      draft.warnings.push(w);
      ctx.logger.warn(w);
    }
    const willRun = req.command === 'run' || (Boolean(cfg.settings.run.value) && !req.options.dryRun);
    if (willRun && cfg.settings.sandbox.value === 'local') warmLocalSandbox(cfg.file.local?.python ?? null);
    // The Daytona SDK takes a while to load: without a model call to wait for, start now. (A generate loads it
    // once its model request is on the wire: see core/early-sandbox.)
    if (willRun && req.command !== 'generate' && cfg.settings.sandbox.value === 'daytona') void import('../sandbox/daytona.js').then((d) => d.loadDaytonaSdk()).catch(() => undefined);
    const parts = await loadParts();
    const opts = pipelineOptions(req, cfg, ctx, parts.outDir.defaultOutDir);
    if (req.command === 'generate') {
      const { fix, note } = effectiveFix(cfg, Boolean(cfg.settings.run.value));
      opts.fix = fix;
      if (note) {
        draft.warnings.push(note);
        ctx.logger.warn(note);
      }
    }
    opts.outDir = await checkedOutDir(req, cfg, ctx, opts.outDir);
    if (opts.runDir) opts.runDir = opts.outDir;
    target = { outDir: opts.outDir, run: opts.run };
    // Read once, here, before any model call: from now on they travel as contents.
    Object.assign(opts, await userFiles(req, cfg, ctx, opts.outDir));
    if (req.command === 'generate') {
      // Known before anything can fail, so an error's result (a missing key's, say) names them.
      const provider = cfg.settings.provider.value;
      draft.provider = provider;
      draft.model = cfg.settings.model.value ?? parts.catalog.defaultModel(provider);
      // Before paying: the key, a folder that can be written, a sandbox that can run the tests.
      const { preflight } = await import('./preflight.js');
      // A replay answers from a recording: no key is needed.
      await preflight({ cfg, callsModel: !ctx.replayProvider, outDir: opts.dryRun ? null : opts.outDir, run: opts.run, lang: opts.lang });
    }
    const deps = await pipelineDeps(req, cfg, ctx, draft, parts, { outDir: opts.dryRun ? null : opts.outDir }, opts);
    const extras = await runPipeline(opts, deps, draft);
    planText = extras.planText;
    return { result: finishResult(draft, null), planText, history, error: null };
  } catch (err) {
    const reason = ctx.signal.aborted && ctx.signal.reason instanceof PtcError ? ctx.signal.reason : null;
    let error = timeoutInPhase(reason ?? toPtcError(err), phaseAtAbort);
    const saved = draft.replyFiles.at(-1);
    if (saved) error = withSavedReply(error, saved, { ...target, cwd: ctx.cwd });
    return { result: finishResult(draft, error), planText, history, error };
  }
}


async function userFiles(req: PipelineRequest, cfg: ResolvedConfig, ctx: ExecuteContext, base: string) {
  const s = cfg.settings;
  const paths = { tests: s.tests.value, hiddenTests: s.hiddenTests.value, context: s.context.value };
  let read: UserFiles = { userTests: { acceptance: [], hidden: [] }, contextFiles: [] };
  if (paths.tests.length + paths.hiddenTests.length + paths.context.length > 0) {
    const { readUserFiles } = await import('./user-files.js');
    read = await readUserFiles(paths, {
      cwd: ctx.cwd,
      base,
      confineTo: ctx.confineTo ?? ctx.confineInputsTo,
      env: cfg.env,
      secrets: configuredSecrets(cfg),
    });
  }
  return {
    userTests: {
      acceptance: [...(req.userTests?.acceptance ?? []), ...read.userTests.acceptance],
      hidden: [...(req.userTests?.hidden ?? []), ...read.userTests.hidden],
    },
    contextFiles: [...(req.contextFiles ?? []), ...read.contextFiles],
    contextBudget: cfg.file.limits?.contextBytes,
  };
}

function pipelineOptions(
  req: PipelineRequest,
  cfg: ResolvedConfig,
  ctx: ExecuteContext,
  defaultOutDir: (prompt: string, cwd: string) => string,
): PipelineOptions {
  const s = cfg.settings;
  const o = req.options;
  let outDir: string;
  if (req.command === 'run') {
    outDir = resolve(ctx.cwd, req.runDir ?? '.');
  } else if (s.out.value) {
    outDir = resolve(ctx.cwd, s.out.value);
  } else {
    outDir = defaultOutDir(req.prompt ?? req.nameHint ?? 'ptc-output', ctx.cwd);
  }
  return {
    command: req.command,
    cwd: ctx.cwd,
    prompt: req.prompt,
    replyText: req.replyText,
    runDir: req.command === 'run' ? outDir : null,
    lang: s.lang.value,
    langExplicit: s.lang.source !== 'default',
    outDir,
    force: Boolean(o.force),
    dryRun: Boolean(o.dryRun),
    run: req.command === 'run' ? true : Boolean(s.run.value) && !o.dryRun,
    fix: s.fix.value,
    candidates: s.candidates.value,
    maxTokens: s.maxTokens.value,
    temperature: s.temperature.value,
    maxCost: s.maxCost.value,
    protectTests: s.protectTests.value,
    system: cfg.file.prompt?.system,
    systemAppend: cfg.file.prompt?.systemAppend,
    limits: cfg.file.limits ?? {},
    testTimeoutMs: (cfg.file.local?.testTimeout ?? 120) * 1000,
    pytestPlugins: cfg.file.local?.pytestPlugins,
  };
}

/**
 * The output (or run) folder as it really is, symlinks followed: never in .git or ptc's own configuration
 * folder, and for a server strictly inside its root.
 */
async function checkedOutDir(req: PipelineRequest, cfg: ResolvedConfig, ctx: ExecuteContext, outDir: string): Promise<string> {
  const { confinePath } = await import('../workspace/confine.js');
  const given = req.command === 'run' ? (req.runDir ?? '.') : (cfg.settings.out.value ?? outDir);
  return confinePath(outDir, given, {
    what: req.command === 'run' ? 'dir' : 'out',
    root: ctx.confineTo,
    outsideCode: req.command === 'run' ? 'path_outside_root' : 'out_outside_root',
    env: cfg.env,
  });
}

/**
 * Starts what the local sandbox will need (its modules, the bubblewrap check, where python lives) while the
 * reply is parsed and written. All of it is memoised, and any failure shows up where it is used.
 */
function warmLocalSandbox(python: string | null): void {
  void Promise.all([import('../sandbox/local.js'), import('../sandbox/runner.js')])
    .then(([local]) => local.warmUpLocalSandbox(undefined, python))
    .catch(() => undefined);
}

/**
 * A project's installed packages (node_modules, for JS/TS): the copy leaves them out and the local sandbox cannot
 * install, so the tests see the project's own, read-only.
 */
function installedPackages(projectDir: string, dir: string | null): { hostPath: string; path: string }[] {
  if (!dir) return [];
  const hostPath = resolve(projectDir, dir);
  try {
    return statSync(hostPath).isDirectory() ? [{ hostPath: realpathSync(hostPath), path: dir }] : [];
  } catch {
    return [];
  }
}

/** The pipeline's parts, loaded when a pipeline command runs (not for --help or config show). */
async function loadParts() {
  const [prompt, parse, classify, write, manifest, planView, outDir, cost, catalog, lifecycle] = await Promise.all([
    import('../prompt/system.js'),
    import('../reply/parse.js'),
    import('../reply/classify.js'),
    import('../workspace/write.js'),
    import('../workspace/manifest.js'),
    import('../workspace/plan-view.js'),
    import('../workspace/out-dir.js'),
    import('../cost/cost.js'),
    import('../cost/catalog.js'),
    import('../cost/lifecycle.js'),
  ]);
  return { prompt, parse, classify, write, manifest, planView, outDir, cost, catalog, lifecycle };
}

async function pipelineDeps(
  req: PipelineRequest,
  cfg: ResolvedConfig,
  ctx: ExecuteContext,
  draft: ResultDraft,
  parts: Awaited<ReturnType<typeof loadParts>>,
  replies: { outDir: string | null },
  opts: PipelineOptions,
): Promise<PipelineDeps> {
  const { prompt, parse, classify, write, manifest, planView, cost, catalog, lifecycle } = parts;
  const cat = catalog.loadCatalog(cfg.file.pricing as never, { env: ctx.env });
  for (const w of cat.warnings ?? []) {
    draft.warnings.push(w);
    ctx.logger.warn(w);
  }
  const s = cfg.settings;

  let providerFactory: PipelineDeps['provider'] = null;
  if (req.command === 'generate' && ctx.replayProvider) {
    const replay = ctx.replayProvider;
    const id = s.provider.value;
    const model = s.model.value ?? catalog.defaultModel(id);
    providerFactory = async () => replay(id, model);
  } else if (req.command === 'generate') {
    const id = s.provider.value;
    const key = requireApiKey(cfg, id);
    ctx.addSecret(key.value);
    const pc = providerConfigOf(cfg, id);
    const { createProvider } = await import('../providers/index.js');
    const baseURL = baseUrlOf(cfg, id);
    if (!baseURL) {
      throw new ConfigError(`provider ${id} needs an endpoint`, {
        code: 'config_base_url',
        hint: `pass --base-url (e.g. http://localhost:11434/v1 for Ollama) or set providers.${id}.baseURL`,
      });
    }
    const model = s.model.value ?? catalog.defaultModel(id);
    const entry = catalog.findModel(cat, id, model);
    // A retired model fails here, before anything is paid for; one retiring soon warns.
    const retiring = entry ? lifecycle.checkRetirement(entry, model, lifecycle.nowFrom(ctx.env)) : null;
    if (retiring) {
      draft.warnings.push(retiring);
      ctx.logger.warn(retiring);
    }
    // The output cap and thinking request depend on the model (its maximum output, whether it thinks): they are
    // settled here, where the model is known, and the pipeline sends and budgets with them.
    const { planOutput } = await import('../providers/reasoning.js');
    const plan = planOutput({
      model,
      entry,
      level: s.reasoning.value,
      maxTokens: s.maxTokens.value,
      capRequired: id === 'anthropic' || s.maxCost.value !== null,
    });
    opts.maxTokensGiven = s.maxTokens.value;
    opts.maxTokens = plan.maxTokens;
    opts.thinking = plan.thinking;
    for (const note of plan.notes) {
      draft.warnings.push(note);
      ctx.logger.warn(note);
    }
    ctx.logger.debug(
      `output cap ${plan.maxTokens ?? "the provider's own"}; thinking ${plan.thinking.level ?? "the model's default"}` +
        (plan.thinking.budgetTokens ? ` (budget ${plan.thinking.budgetTokens} tokens)` : ''),
    );
    const deadline = s.timeout.value ? Date.now() + s.timeout.value * 1000 : undefined;
    const wrap = ctx.wrapProvider ?? ((p: Provider) => p);
    providerFactory = async () =>
      wrap(await createProvider({
        id,
        model,
        apiKey: key.value,
        apiKeySource: key.source,
        baseURL,
        headers: pc.headers,
        temperature: entry?.temperature,
        deadline,
        logger: ctx.logger,
      }));
  }

  const sandboxKind = s.sandbox.value;
  const isolation = isolationOf(cfg);
  const daytona = resolveDaytona(cfg);
  ctx.addSecret(daytona.apiKey.value);
  const secrets = configuredSecrets(cfg);
  const runId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

  const makeDaytona = async (lang: Lang, o: { signal: AbortSignal; onPhase?: (p: string) => void }) => {
    if (!daytona.apiKey.value) {
      throw new ConfigError('the daytona sandbox needs a key: set DAYTONA_API_KEY', {
        code: 'missing_key',
        hint: 'export DAYTONA_API_KEY=... (or use --sandbox local)',
      });
    }
    const { createDaytonaSandbox } = await import('../sandbox/daytona.js');
    return createDaytonaSandbox({
      apiKey: daytona.apiKey.value,
      apiUrl: daytona.apiUrl.value,
      target: daytona.target.value ?? undefined,
      lang,
      runId,
      autoStopMinutes: daytona.autoStopMinutes,
      snapshot: daytona.snapshot.value ?? undefined,
      logger: ctx.logger,
      signal: o.signal,
      onPhase: o.onPhase,
    });
  };
  const warmRunner = async (sandbox: Sandbox, lang: Lang, timeoutMs: number, signal = ctx.signal) =>
    (await import('../sandbox/runner.js')).warmRunnerIn(sandbox, { lang, timeoutMs, signal, logger: ctx.logger, network: sandbox.kind === 'daytona' });
  // Batch, serve and mcp lend warm Daytona sandboxes from a pool; one sandbox is shared only by runs that would
  // create it alike (same service, key, snapshot and language).
  const pool = sandboxKind === 'daytona' && daytona.pool ? ctx.sandboxPool : undefined;
  const poolKey = (lang: Lang) =>
    createHash('sha256')
      .update(JSON.stringify([daytona.apiUrl.value, daytona.apiKey.value, daytona.target.value, daytona.snapshot.value, lang]))
      .digest('hex');
  const poolMember = (p: SandboxPool, lang: Lang) => async () => {
    const sandbox = await makeDaytona(lang, { signal: p.signal });
    await warmRunner(sandbox, lang, POOL_WARM_TIMEOUT_MS, p.signal).catch((err: Error) => ctx.logger.debug(`warming the test runner up failed: ${err.message}`));
    return sandbox;
  };

  return {
    logger: ctx.logger,
    signal: ctx.signal,
    provider: providerFactory,
    price: (p: Provider) => catalog.findModel(cat, p.id, p.model) ?? null,
    computeCost: cost.computeCost as PipelineDeps['computeCost'],
    sandbox: {
      kind: sandboxKind,
      warm: pool ? (lang: Lang) => pool.warm(poolKey(lang), poolMember(pool, lang)) : undefined,
      create: async (lang: Lang, o?: { projectDir?: string }) => {
        if (pool) return pool.lease(poolKey(lang), poolMember(pool, lang), ctx.signal);
        if (sandboxKind === 'daytona') {
          // 'creating' is the pipeline's to say: a sandbox made early is made while the model answers.
          return makeDaytona(lang, { signal: ctx.signal, onPhase: (p: string) => p !== 'creating' && ctx.onPhase?.(p) });
        }
        const [{ createLocalSandbox }, { resolveLimits }] = await Promise.all([
          import('../sandbox/local.js'),
          import('../sandbox/limits.js'),
        ]);
        return createLocalSandbox({
          isolation,
          python: cfg.file.local?.python ?? null,
          allowNoIsolation: isolation === 'none',
          keep: Boolean(req.options.keep ?? cfg.file.local?.keep),
          logger: ctx.logger,
          readOnlyMounts: o?.projectDir ? installedPackages(o.projectDir, getLanguage(lang).installedPackagesDir) : [],
          limits: resolveLimits(cfg.file.local?.limits),
        });
      },
    },
    // The runner (and its XML parser) loads only when tests run: a plain generate stays quick.
    runTests: async (sandbox, input) => (await import('../sandbox/runner.js')).runTestsIn(sandbox, input as never),
    warmRunner: (sandbox, lang, timeoutMs) => warmRunner(sandbox, lang, timeoutMs),
    reply: {
      buildMessages: prompt.buildMessages,
      parseReply: parse.parseReply,
      classifyFile: classify.classifyFile,
    },
    workspace: {
      // Every plan, first write and repair rounds alike, refuses files holding a configured secret.
      planWrite: ((outDir, files, o) => write.planWrite(outDir, files, { ...o, secrets })) as PipelineDeps['workspace']['planWrite'],
      commitWrite: (plan, o) =>
        write.commitWrite(plan as Parameters<typeof write.commitWrite>[0], {
          ...o,
          signal: ctx.signal,
          onWait: (pid) => ctx.logger.info(`waiting for another ptc process${pid ? ` (pid ${pid})` : ''} writing to ${plan.outDir}`),
        }),
      writeManifest: (dir, m) => manifest.writeManifest(dir, m as never, { secrets: configuredSecrets(cfg) }),
      renderPlan: planView.renderPlan as PipelineDeps['workspace']['renderPlan'],
    },
    onPhase: ctx.onPhase,
    onDelta: ctx.onDelta,
    onRound: ctx.onRound,
    registerCleanup: ctx.registerCleanup,
    onCall: ctx.onCall,
    gate: ctx.gate,
    sandboxGate: ctx.sandboxGate,
    budget: ctx.budget,
    saveReply: async (text, round) => {
      const { saveReply } = await import('../workspace/reply-store.js');
      const path = await saveReply({ text, round, outDir: replies.outDir, env: ctx.env, secrets });
      if (path) ctx.logger.debug(`reply saved in ${path}`);
      else ctx.logger.warn('could not save the reply in the output folder nor in the state directory');
      return path;
    },
    firstNotice: ctx.firstNotice ?? rememberedNotices(ctx.env).first,
  };
}
