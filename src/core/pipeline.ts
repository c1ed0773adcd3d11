import { createHash } from 'node:crypto';
import { ReplyError, SandboxError, TestsFailedError, abortReason } from '../errors.js';
import type { ResultDraft } from '../report/build.js';
import { testsFailed } from '../report/build.js';
import type {
  ChatMessage,
  Cost,
  GeneratedFile,
  Lang,
  Logger,
  Provider,
  ProviderReply,
  Sandbox,
  SandboxKind,
  TestReport,
  Usage,
} from '../types.js';
import { addUsage } from '../types.js';
import { collectFiles, detectLang } from './collect.js';
import { buildRepairMessage, countTestCases, type RepairContext } from './repair.js';

/** Prices per 1M tokens, as the catalog gives them. */
export interface PriceLike {
  input: number;
  output: number;
  cacheRead?: number | null;
  cacheWrite?: number | null;
}

export interface PipelineOptions {
  command: 'generate' | 'apply' | 'run';
  cwd: string;
  prompt: string | null;
  replyText: string | null;
  runDir: string | null;
  lang: Lang;
  /** Whether lang was chosen by the user (for `run`, an unchosen lang is detected from the files). */
  langExplicit: boolean;
  outDir: string;
  force: boolean;
  dryRun: boolean;
  run: boolean;
  fix: number;
  maxTokens: number | null;
  temperature: number | null;
  maxCost: number | null;
  protectTests: boolean;
  system?: string;
  systemAppend?: string;
  limits: { maxFiles?: number; maxBytes?: number; maxFileBytes?: number };
  testTimeoutMs: number;
}

export interface PipelineDeps {
  logger: Logger;
  signal: AbortSignal;
  provider: (() => Promise<Provider>) | null;
  price: (provider: Provider) => PriceLike | null;
  computeCost: (usage: Usage, price: PriceLike | null, providerUsd: number | null) => Cost;
  sandbox: { kind: SandboxKind; create: (lang: Lang) => Promise<Sandbox> };
  runTests: (sandbox: Sandbox, input: { lang: Lang; files: { path: string; kind: GeneratedFile['kind'] }[]; dependencies: string[]; timeoutMs: number; signal: AbortSignal; logger: Logger; network: boolean; onPhase?: (p: string) => void }) => Promise<TestReport>;
  reply: {
    buildMessages: (i: { lang: Lang; prompt: string; system?: string; systemAppend?: string }) => ChatMessage[];
    parseReply: (text: string, o: { lang: Lang }) => import('../types.js').ParsedReply;
    classifyFile: (path: string, content: string) => GeneratedFile['kind'];
  };
  workspace: {
    planWrite: (outDir: string, files: GeneratedFile[], o: { force: boolean; maxFiles?: number; maxBytes?: number; maxFileBytes?: number; owned?: Set<string> }) => Promise<PlanLike>;
    commitWrite: (plan: PlanLike, o?: { remove?: string[] }) => Promise<unknown>;
    writeManifest: (outDir: string, m: Record<string, unknown>) => Promise<unknown>;
    renderPlan: (plan: PlanLike) => string;
  };
  /** Phase changes for the progress line. */
  onPhase?: (text: string) => void;
  /** Streaming text from the model, for a live token counter. */
  onDelta?: (text: string, outputTokens: number) => void;
  onRound?: (round: ResultDraft['rounds'][number], draft: ResultDraft) => void;
  registerCleanup: (fn: () => Promise<void>) => () => void;
}

export interface PlanLike {
  outDir: string;
  files: { path: string; kind: GeneratedFile['kind']; bytes: number; sha256: string; exists?: boolean }[];
  refused: { path: string; reason: string }[];
  conflicts: string[];
}

/** The text a dry run shows; set by the pipeline so the renderer need not know about plans. */
export interface PipelineExtras {
  planText: string | null;
}

/**
 * prompt → provider → parse → safe write → sandbox → (repair rounds) → draft. Pure orchestration: every
 * part comes in through `deps`, so the CLI, the MCP server and the HTTP service share it and tests can fake it.
 * Throws a PtcError on failure; the draft keeps what was done until then.
 */
export async function runPipeline(opts: PipelineOptions, deps: PipelineDeps, draft: ResultDraft): Promise<PipelineExtras> {
  const extras: PipelineExtras = { planText: null };
  const { logger, signal } = deps;
  draft.outDir = opts.outDir;

  if (opts.command === 'run') {
    await runExisting(opts, deps, draft);
    return extras;
  }

  let provider: Provider | null = null;
  let messages: ChatMessage[] = [];
  let replyText: string;
  if (opts.command === 'generate') {
    provider = await deps.provider!();
    draft.provider = provider.id;
    draft.model = provider.model;
    messages = deps.reply.buildMessages({
      lang: opts.lang,
      prompt: opts.prompt!,
      system: opts.system,
      systemAppend: opts.systemAppend,
    });
    logger.debug(`prompt sent to ${provider.id}/${provider.model}:\n${messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n')}`);
    const reply = await callModel(provider, messages, opts, deps, draft, 0);
    if (!reply) throw new TestsFailedError(draft.stopReason!, { code: 'budget_exceeded', hint: 'raise --max-cost or lower --max-tokens' });
    replyText = reply.text;
  } else {
    replyText = opts.replyText!;
  }

  const parsed = deps.reply.parseReply(replyText, { lang: opts.lang });
  for (const w of parsed.warnings) warn(draft, logger, w);
  if (parsed.files.length === 0) {
    throw new ReplyError(`no code found in the reply; it starts: ${JSON.stringify(replyText.trim().slice(0, 160))}`, {
      code: 'reply_no_code',
      hint:
        opts.command === 'apply'
          ? 'the file should hold fenced code blocks (```python path=x.py ...```)'
          : 'try again, or rephrase the prompt; --verbose shows the prompt that was sent',
    });
  }

  const plan = await deps.workspace.planWrite(opts.outDir, parsed.files, { force: opts.force, ...opts.limits });
  for (const r of plan.refused) warn(draft, logger, `refused ${JSON.stringify(r.path)}: ${r.reason}`);
  draft.refused = plan.refused;
  draft.files = plan.files.map(({ path, kind, bytes, sha256 }) => ({ path, kind, bytes, sha256 }));
  if (opts.dryRun) {
    draft.dryRun = true;
    extras.planText = deps.workspace.renderPlan(plan);
    if (parsed.dependencies.length > 0) extras.planText += `\ndependencies: ${parsed.dependencies.join(' ')}`;
    return extras;
  }
  await deps.workspace.commitWrite(plan);
  const working = new Map<string, GeneratedFile>();
  for (const f of parsed.files) if (plan.files.some((p) => p.path === normalise(f.path))) working.set(normalise(f.path), { ...f, path: normalise(f.path) });
  await writeManifest(opts, deps, draft);

  if (!opts.run) return extras;

  let dependencies = parsed.dependencies;
  const sandbox = await createSandbox(opts.lang, deps);
  try {
    await uploadDir(sandbox, opts.outDir, deps);
    if (draft.rounds.length === 0) draft.rounds.push({ round: 0, usage: null, cost: null, tests: null });
    draft.tests = await runTests(sandbox, opts.lang, [...working.values()], dependencies, opts, deps);
    draft.rounds[draft.rounds.length - 1]!.tests = toRoundTests(draft.tests);

    // The repair loop: show the model what failed until the tests pass, the rounds run out, or the budget does.
    if (testsFailed(draft.tests) && opts.fix > 0) {
      if (!provider) {
        warn(draft, logger, '--fix needs a model: it applies to `ptc generate`, not to a saved reply');
      } else {
        let testCount = countTestCases([...working.values()]);
        let previous = replyText;
        for (let round = 1; round <= opts.fix && testsFailed(draft.tests); round++) {
          const ctx: RepairContext = { lang: opts.lang, tests: draft.tests!, files: [...working.values()], protectTests: opts.protectTests };
          messages = [
            ...messages.map((m, i) => (i === 1 ? { ...m, cache: true } : m)),
            { role: 'assistant', content: previous },
            { role: 'user', content: buildRepairMessage(ctx) },
          ];
          const reply = await callModel(provider, messages, opts, deps, draft, round);
          if (reply === null) break;
          previous = reply.text;
          const next = deps.reply.parseReply(reply.text, { lang: opts.lang });
          for (const w of next.warnings) warn(draft, logger, w);
          let changed = next.files
            .map((f) => ({ ...f, path: normalise(f.path) }))
            .filter((f) => working.get(f.path)?.content !== f.content);
          let deleted = next.deleted.map(normalise).filter((p) => working.has(p));
          if (opts.protectTests) {
            const dropped = [...changed, ...deleted.map((p) => working.get(p)!)].filter((f) => f.kind === 'test' || working.get(f.path)?.kind === 'test');
            if (dropped.length > 0) {
              warn(draft, logger, `--protect-tests: ignored the model's changes to ${dropped.map((f) => f.path).join(', ')}`);
              const droppedPaths = new Set(dropped.map((f) => f.path));
              changed = changed.filter((f) => !droppedPaths.has(f.path));
              deleted = deleted.filter((p) => !droppedPaths.has(p));
            }
          }
          if (changed.length === 0 && deleted.length === 0) {
            draft.stopReason = `round ${round}: the model's reply changed nothing, so repairing stopped`;
            warn(draft, logger, draft.stopReason);
            break;
          }
          const owned = new Set(working.keys());
          const repairPlan = await deps.workspace.planWrite(opts.outDir, changed, { force: opts.force, owned, ...opts.limits });
          for (const r of repairPlan.refused) warn(draft, logger, `refused ${JSON.stringify(r.path)}: ${r.reason}`);
          await deps.workspace.commitWrite(repairPlan, { remove: deleted });
          for (const p of deleted) working.delete(p);
          for (const f of changed) if (repairPlan.files.some((p) => p.path === f.path)) working.set(f.path, f);
          if (next.dependencies.length > 0) dependencies = [...new Set([...dependencies, ...next.dependencies])];

          const newCount = countTestCases([...working.values()]);
          if (newCount < testCount || deleted.some((p) => /test/i.test(p))) {
            warn(draft, logger, `round ${round}: the model removed tests (${testCount} → ${newCount} test cases); a pass may not mean what it seems`);
          }
          testCount = newCount;
          draft.files = await describeFiles(working);
          await writeManifest(opts, deps, draft);

          await sandbox.prepare(
            changed.map((f) => ({ path: f.path, content: f.content })),
            deleted,
          );
          draft.tests = await runTests(sandbox, opts.lang, [...working.values()], dependencies, opts, deps);
          draft.rounds[draft.rounds.length - 1]!.tests = toRoundTests(draft.tests);
          deps.onRound?.(draft.rounds[draft.rounds.length - 1]!, draft);
        }
        if (!draft.stopReason) {
          draft.stopReason = testsFailed(draft.tests)
            ? `tests still fail after ${opts.fix} repair round${opts.fix === 1 ? '' : 's'}`
            : `tests pass after ${draft.rounds.length - 1} repair round${draft.rounds.length === 2 ? '' : 's'}`;
        }
      }
    }
  } finally {
    deps.onPhase?.('cleaning up');
    await sandbox.dispose();
  }
  return extras;
}

async function runExisting(opts: PipelineOptions, deps: PipelineDeps, draft: ResultDraft): Promise<void> {
  const dir = opts.runDir!;
  const collected = await collectFiles(dir);
  const lang = opts.langExplicit ? opts.lang : (detectLang(collected.map((f) => f.path)) ?? opts.lang);
  const files: GeneratedFile[] = collected.map((f) => {
    const content = f.content.toString('utf8');
    return { path: f.path, content, kind: deps.reply.classifyFile(f.path, content) };
  });
  draft.files = files.map((f) => ({ path: f.path, kind: f.kind, bytes: Buffer.byteLength(f.content), sha256: sha256(f.content) }));
  if (!files.some((f) => f.kind === 'test')) {
    throw new ReplyError(`no test files found in ${dir}`, {
      code: 'no_tests',
      hint: lang === 'python' ? 'tests are files named test_*.py or *_test.py' : 'tests are files named *.test.ts / *.test.js',
    });
  }
  const sandbox = await createSandbox(lang, deps);
  try {
    await sandbox.prepare(collected.map((f) => ({ path: f.path, content: f.content })));
    draft.tests = await runTests(sandbox, lang, files, [], opts, deps);
    draft.rounds.push({ round: 0, usage: null, cost: null, tests: toRoundTests(draft.tests) });
  } finally {
    deps.onPhase?.('cleaning up');
    await sandbox.dispose();
  }
}

async function callModel(
  provider: Provider,
  messages: ChatMessage[],
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
  round: number,
): Promise<ProviderReply | null> {
  const price = deps.price(provider);
  if (opts.maxCost !== null) {
    const spent = draft.cost?.usd ?? 0;
    const inputTokens = Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 3);
    const worst = price ? (inputTokens * price.input + (opts.maxTokens ?? 8192) * price.output) / 1e6 : null;
    if (worst === null || spent + worst > opts.maxCost) {
      draft.stopReason =
        worst === null
          ? `--max-cost: the price of ${provider.model} is unknown, so the next call's cost cannot be bounded`
          : `--max-cost $${opts.maxCost}: spent $${spent.toFixed(4)}, the next call could cost up to $${worst.toFixed(4)}`;
      warn(draft, deps.logger, `stopped before round ${round}: ${draft.stopReason}`);
      return null;
    }
  }
  deps.onPhase?.(round === 0 ? `asking ${provider.id}/${provider.model}` : `round ${round}: asking ${provider.model} to fix the failures`);
  const reply = await provider.generate(messages, {
    maxTokens: opts.maxTokens ?? undefined,
    temperature: opts.temperature ?? undefined,
    signal: deps.signal,
    onDelta: deps.onDelta,
  });
  const cost = deps.computeCost(reply.usage, price, reply.costUsd);
  draft.usage = draft.usage ? addUsage(draft.usage, reply.usage) : reply.usage;
  draft.cost = sumCost(draft.cost, cost);
  if (reply.model && reply.model !== draft.model) draft.model = draft.model ?? reply.model;
  draft.rounds.push({ round, usage: reply.usage, cost, tests: null });
  if (cost.source === 'unknown' && round === 0) {
    warn(draft, deps.logger, `no price known for ${provider.id}/${provider.model}: cost not reported (add it under "pricing" in your rc file)`);
  }
  if (round === 0) deps.onRound?.(draft.rounds[0]!, draft);
  if (reply.stopReason === 'length') {
    throw new ReplyError(`the reply was cut off at the token limit (${reply.usage.outputTokens} output tokens); nothing was written from it`, {
      code: 'reply_truncated',
      hint: `raise --max-tokens${opts.maxTokens ? ` (now ${opts.maxTokens})` : ''}, or ask for less code`,
      retryable: true,
    });
  }
  return reply;
}

export function sumCost(a: Cost | null, b: Cost): Cost {
  if (!a) return b;
  if (a.usd === null || b.usd === null) return { usd: null, source: 'unknown' };
  return { usd: a.usd + b.usd, source: a.source === b.source ? a.source : 'catalog' };
}

async function createSandbox(lang: Lang, deps: PipelineDeps): Promise<Sandbox> {
  deps.onPhase?.(deps.sandbox.kind === 'daytona' ? 'creating Daytona sandbox' : 'preparing local sandbox');
  const sandbox = await deps.sandbox.create(lang);
  const unregister = deps.registerCleanup(() => sandbox.dispose());
  const dispose = sandbox.dispose.bind(sandbox);
  (sandbox as { dispose: () => Promise<void> }).dispose = async () => {
    unregister();
    await dispose();
  };
  return sandbox;
}

async function uploadDir(sandbox: Sandbox, dir: string, deps: PipelineDeps): Promise<void> {
  deps.onPhase?.('uploading files');
  const files = await collectFiles(dir);
  await sandbox.prepare(files.map((f) => ({ path: f.path, content: f.content })));
}

async function runTests(
  sandbox: Sandbox,
  lang: Lang,
  files: GeneratedFile[],
  dependencies: string[],
  opts: PipelineOptions,
  deps: PipelineDeps,
): Promise<TestReport> {
  const reason = abortReason(deps.signal);
  if (reason) throw reason;
  deps.onPhase?.('running tests');
  const report = await deps.runTests(sandbox, {
    lang,
    files: files.map((f) => ({ path: f.path, kind: f.kind })),
    dependencies,
    timeoutMs: opts.testTimeoutMs,
    signal: deps.signal,
    logger: deps.logger,
    network: sandbox.kind === 'daytona',
    onPhase: (p) => deps.onPhase?.(p === 'installing' ? 'installing dependencies' : 'running tests'),
  });
  if (!report.ran && report.problem) {
    throw new SandboxError(report.problem, { code: 'sandbox_run_failed' });
  }
  return report;
}

function toRoundTests(t: TestReport) {
  return {
    ran: t.ran,
    sandbox: t.sandbox,
    passed: t.passed,
    failed: t.failed,
    errors: t.errors,
    skipped: t.skipped,
    durationMs: Math.round(t.durationMs),
    cases: t.cases.map((c) => ({ ...c, durationMs: Math.round(c.durationMs) })),
    problem: t.problem ?? null,
  };
}

async function writeManifest(opts: PipelineOptions, deps: PipelineDeps, draft: ResultDraft): Promise<void> {
  await deps.workspace.writeManifest(opts.outDir, {
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    command: opts.command,
    prompt: opts.prompt,
    provider: draft.provider,
    model: draft.model,
    usage: draft.usage,
    cost: draft.cost,
    files: draft.files,
  });
}

async function describeFiles(working: Map<string, GeneratedFile>) {
  return [...working.values()].map((f) => ({ path: f.path, kind: f.kind, bytes: Buffer.byteLength(f.content), sha256: sha256(f.content) }));
}

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

function warn(draft: ResultDraft, logger: Logger, message: string): void {
  draft.warnings.push(message);
  logger.warn(message);
}
