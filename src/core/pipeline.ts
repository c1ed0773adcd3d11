import { createHash } from 'node:crypto';
import { worstCaseCostUsd } from '../cost/cost.js';
import { PtcError, ReplyError, SandboxError, TestsFailedError, abortReason, toPtcError } from '../errors.js';
import type { CallRecord } from '../history/call-record.js';
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
import { buildRepairMessage, measureTests, testsRemoved } from './repair.js';

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
  /** Streaming text, the output tokens so far, and the spend so far including this call's estimate (null: no price). */
  onDelta?: (text: string, outputTokens: number, spentUsd: number | null) => void;
  onRound?: (round: ResultDraft['rounds'][number], draft: ResultDraft) => void;
  registerCleanup: (fn: () => Promise<void>) => () => void;
  /** Called once after every model call, whatever its outcome (the spend history). */
  onCall?: (record: CallRecord) => void;
  /** A limit on model calls shared with other runs (ptc batch); told about the waits a server asks for. */
  gate?: { acquire(signal: AbortSignal): Promise<() => void>; backoff(waitMs: number): void };
  /** A limit on sandboxes shared with other runs: a place is held from creation until dispose. */
  sandboxGate?: { acquire(signal: AbortSignal): Promise<() => void> };
}

export interface PlanLike {
  outDir: string;
  files: { path: string; kind: GeneratedFile['kind']; bytes: number; sha256: string; content: string; exists?: boolean }[];
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
    // With repair rounds ahead, the original request is part of the prefix every later call repeats.
    if (opts.run && opts.fix > 0 && !opts.dryRun) messages = markRepeatedPrefix(messages);
    logger.debug(`prompt sent to ${provider.id}/${provider.model}:\n${messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n')}`);
    const reply = await callModel(provider, messages, opts, deps, draft, 0);
    if (!reply) throw new TestsFailedError(draft.stopReason!, { code: 'budget_exceeded', hint: 'raise --max-cost or lower --max-tokens' });
    if (reply.stopReason === 'length') throw truncated(reply, opts);
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
    emitRound(deps, draft);
    return extras;
  }
  await deps.workspace.commitWrite(plan);
  // The working set: every file ptc wrote this run, as it is now; repair rounds change it.
  const working = new Map<string, GeneratedFile>();
  for (const f of plan.files) working.set(f.path, { path: f.path, content: f.content, kind: f.kind });
  await writeManifest(opts, deps, draft);

  if (!opts.run) {
    emitRound(deps, draft);
    return extras;
  }

  const sandbox = await createSandbox(opts.lang, deps);
  try {
    await uploadDir(sandbox, opts.outDir, deps);
    if (draft.rounds.length === 0) draft.rounds.push({ round: 0, usage: null, cost: null, tests: null });
    draft.tests = await runTests(sandbox, opts.lang, [...working.values()], parsed.dependencies, opts, deps);
    draft.rounds[draft.rounds.length - 1]!.tests = toRoundTests(draft.tests);
    emitRound(deps, draft);

    if (testsFailed(draft.tests) && opts.fix > 0) {
      if (!provider) {
        warn(draft, logger, '--fix needs a model: it applies to `ptc generate`, not to a saved reply');
      } else {
        const conversation = [...messages, { role: 'assistant' as const, content: replyText }];
        const state: LoopState = { working, dependencies: parsed.dependencies, refused: plan.refused, ignoredTestChanges: [] };
        await repairLoop(provider, conversation, state, sandbox, opts, deps, draft);
      }
    }
  } finally {
    deps.onPhase?.('cleaning up');
    await sandbox.dispose();
  }
  return extras;
}

interface LoopState {
  working: Map<string, GeneratedFile>;
  dependencies: string[];
  /** Files of the last reply that were not written, to tell the model. */
  refused: { path: string; reason: string }[];
  /** Test files whose changes the last round dropped (--protect-tests), to tell the model. */
  ignoredTestChanges: string[];
}

/**
 * The repair loop: show the model what failed until the tests pass, the rounds run out, a reply changes
 * nothing, or the budget would be passed. The conversation keeps every turn; the sandbox is the same one.
 * `conversation` ends with the model's last reply.
 */
async function repairLoop(
  provider: Provider,
  conversation: ChatMessage[],
  state: LoopState,
  sandbox: Sandbox,
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
): Promise<void> {
  const { logger } = deps;
  let repairs = 0;
  for (let round = 1; round <= opts.fix && testsFailed(draft.tests); round++) {
    const interrupted = abortReason(deps.signal);
    if (interrupted) throw interrupted;
    const request = buildRepairMessage({
      lang: opts.lang,
      tests: draft.tests!,
      files: [...state.working.values()],
      protectTests: opts.protectTests,
      ignoredTestChanges: state.ignoredTestChanges,
      refused: state.refused,
    });
    conversation = [...conversation, { role: 'user', content: request }];
    logger.debug(`repair request, round ${round}:\n${request}`);
    const last = lastCall(draft);
    // What the last call was sent and answered is all in this prompt too: a floor under the estimate.
    const floor = last ? promptTokens(last) + last.outputTokens + estimateTokens(request) : 0;
    const reply = await callModel(provider, conversation, opts, deps, draft, round, floor);
    if (!reply) return; // the budget: callModel said why
    repairs = round;
    conversation = [...conversation, { role: 'assistant', content: reply.text }];
    const entry = draft.rounds[draft.rounds.length - 1]!;
    const stop = (reason: string) => {
      draft.stopReason = reason;
      warn(draft, logger, reason);
      entry.tests = toRoundTests(draft.tests!);
      emitRound(deps, draft);
    };
    if (reply.stopReason === 'length') {
      return stop(`round ${round}: the reply was cut off at the token limit (${reply.usage.outputTokens} output tokens), so nothing from it was applied and repairing stopped; raise --max-tokens`);
    }

    const change = proposedChange(reply.text, state, opts, deps, draft, round);
    state.ignoredTestChanges = change.ignoredTests;
    if (change.ignoredTests.length > 0) entry.ignoredTestChanges = change.ignoredTests;
    if (change.files.length === 0 && change.deleted.length === 0) {
      if (change.ignoredTests.length > 0) {
        // Only test changes, all dropped: the files are as they were, so the tests are too. Tell the model.
        state.refused = [];
        entry.tests = toRoundTests(draft.tests!);
        emitRound(deps, draft);
        continue;
      }
      return stop(`round ${round}: the model's reply changed nothing, so repairing stopped`);
    }

    const before = measureTests([...state.working.values()]);
    const applied = await applyChange(change, state, opts, deps, draft, round);
    if (applied.written.length === 0 && applied.deleted.length === 0) {
      return stop(`round ${round}: nothing in the model's reply could be written, so repairing stopped`);
    }
    const removed = testsRemoved(before, measureTests([...state.working.values()]), applied.deletedTests);
    if (removed) {
      entry.testsRemoved = true;
      warn(draft, logger, `round ${round}: the model removed tests (${removed}); a pass may not mean what it seems`);
    }
    draft.files = describeFiles(state.working);
    await writeManifest(opts, deps, draft);

    await sandbox.prepare(
      applied.written.map((f) => ({ path: f.path, content: f.content })),
      applied.deleted,
    );
    draft.tests = await runTests(sandbox, opts.lang, [...state.working.values()], state.dependencies, opts, deps);
    entry.tests = toRoundTests(draft.tests);
    emitRound(deps, draft);
  }
  if (!draft.stopReason) {
    draft.stopReason = testsFailed(draft.tests)
      ? `tests still fail after ${repairs} repair round${repairs === 1 ? '' : 's'}`
      : `tests pass after ${repairs} repair round${repairs === 1 ? '' : 's'}`;
  }
}

interface ProposedChange {
  files: GeneratedFile[];
  deleted: string[];
  ignoredTests: string[];
}

/** The reply's files that differ from the working set, and its deletions of working-set files. */
function proposedChange(
  text: string,
  state: LoopState,
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
  round: number,
): ProposedChange {
  const next = deps.reply.parseReply(text, { lang: opts.lang });
  for (const w of next.warnings) warn(draft, deps.logger, `round ${round}: ${w}`);
  let files = next.files
    .map((f) => ({ ...f, path: normalise(f.path) }))
    .filter((f) => state.working.get(f.path)?.content !== f.content);
  let deleted = [...new Set(next.deleted.map(normalise))];
  const foreign = deleted.filter((p) => !state.working.has(p));
  if (foreign.length > 0) {
    warn(draft, deps.logger, `round ${round}: ignored the deletion of ${foreign.join(', ')}: only files ptc wrote in this run are deleted`);
    deleted = deleted.filter((p) => state.working.has(p));
  }
  for (const d of next.dependencies) if (!state.dependencies.includes(d)) state.dependencies = [...state.dependencies, d];

  let ignoredTests: string[] = [];
  if (opts.protectTests) {
    const isTest = (path: string, kind?: GeneratedFile['kind']) => kind === 'test' || state.working.get(path)?.kind === 'test';
    ignoredTests = [...files.filter((f) => isTest(f.path, f.kind)).map((f) => f.path), ...deleted.filter((p) => isTest(p))];
    if (ignoredTests.length > 0) {
      warn(draft, deps.logger, `round ${round}: --protect-tests: ignored the model's changes to ${ignoredTests.join(', ')}`);
      const dropped = new Set(ignoredTests);
      files = files.filter((f) => !dropped.has(f.path));
      deleted = deleted.filter((p) => !dropped.has(p));
    }
  }
  return { files, deleted, ignoredTests };
}

/**
 * Writes a round's change safely. Files ptc wrote earlier in this run may be rewritten without --force;
 * any other existing file stays protected (refused, and the model is told) unless --force was given.
 */
async function applyChange(
  change: ProposedChange,
  state: LoopState,
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
  round: number,
): Promise<{ written: GeneratedFile[]; deleted: string[]; deletedTests: string[] }> {
  const owned = new Set(state.working.keys());
  const protectedFiles: LoopState['refused'] = [];
  let files = change.files;
  let plan: PlanLike | null = null;
  let unsafe: LoopState['refused'] = [];
  while (files.length > 0) {
    try {
      plan = await deps.workspace.planWrite(opts.outDir, files, { force: opts.force, owned, ...opts.limits });
    } catch (err) {
      // Every file refused (unsafe paths): the round writes nothing, the loop says so.
      if (!(err instanceof PtcError) || err.code !== 'reply_all_unsafe') throw err;
      unsafe = files.map((f) => ({ path: f.path, reason: 'unsafe path (paths are relative and stay inside the project)' }));
      plan = null;
      break;
    }
    if (opts.force || plan.conflicts.length === 0) break;
    // Plan again without the files that would overwrite something ptc did not write.
    const conflicts = new Set(plan.conflicts);
    for (const path of conflicts) protectedFiles.push({ path, reason: 'an existing file ptc did not write in this run (--force allows overwriting it)' });
    files = plan.files.filter((f) => !conflicts.has(f.path)).map((f) => ({ path: f.path, content: f.content, kind: f.kind }));
    plan = null;
  }
  const refused = [...(plan?.refused ?? unsafe), ...protectedFiles];
  for (const r of refused) warn(draft, deps.logger, `round ${round}: refused ${JSON.stringify(r.path)}: ${r.reason}`);
  state.refused = refused;
  if (!plan && change.deleted.length === 0) return { written: [], deleted: [], deletedTests: [] };
  await deps.workspace.commitWrite(plan ?? emptyPlan(opts.outDir), { remove: change.deleted });
  const deletedTests = change.deleted.filter((p) => state.working.get(p)?.kind === 'test');
  for (const p of change.deleted) state.working.delete(p);
  const written: GeneratedFile[] = [];
  for (const f of plan?.files ?? []) {
    const file = { path: f.path, content: f.content, kind: f.kind };
    state.working.set(f.path, file);
    written.push(file);
  }
  return { written, deleted: change.deleted, deletedTests };
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

/**
 * One LLM call, if the budget allows it: records the round (usage, cost) and adds to the totals.
 * Returns null, with `draft.stopReason` set, when `--max-cost` could be passed by this call.
 * `floorTokens` is a lower bound on the prompt's size known from earlier calls.
 */
async function callModel(
  provider: Provider,
  messages: ChatMessage[],
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
  round: number,
  floorTokens = 0,
): Promise<ProviderReply | null> {
  const price = deps.price(provider);
  if (opts.maxCost !== null) {
    const spent = draft.cost?.usd ?? 0;
    const inputTokens = Math.max(floorTokens, estimateTokens(messages.map((m) => m.content).join('\n')));
    const outputTokens = opts.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    const worst = worstCaseCostUsd(price, inputTokens, outputTokens);
    if (worst === null || spent + worst > opts.maxCost) {
      draft.stopReason =
        worst === null
          ? `--max-cost: the price of ${provider.model} is unknown, so the cost of the next call cannot be bounded`
          : `--max-cost $${opts.maxCost}: spent $${spent.toFixed(4)} so far, and the next call could cost up to $${worst.toFixed(4)} (about ${inputTokens} input tokens + ${outputTokens} output tokens)`;
      warn(draft, deps.logger, `stopped before ${round === 0 ? 'the first call' : `repair round ${round}`}: ${draft.stopReason}`);
      return null;
    }
  }
  deps.onPhase?.(round === 0 ? `asking ${provider.id}/${provider.model}` : `round ${round}: asking ${provider.model} to fix the failures`);
  // The live line's running cost: spend so far plus this call's input (estimated) and output so far.
  const spentBefore = draft.cost ? draft.cost.usd : 0;
  const inputEstimate = estimateTokens(messages.map((m) => m.content).join(''));
  const runningCost = (outputTokens: number) =>
    price && spentBefore !== null ? spentBefore + (inputEstimate * price.input + outputTokens * price.output) / 1e6 : null;
  const release = deps.gate ? await deps.gate.acquire(deps.signal) : null;
  const startedAt = Date.now();
  const record = (r: Pick<CallRecord, 'usage' | 'cost' | 'outcome' | 'errorCode'>) =>
    deps.onCall?.({
      at: startedAt,
      command: opts.command,
      provider: provider.id,
      model: provider.model,
      durationMs: Date.now() - startedAt,
      round,
      prompt: messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n'),
      ...r,
    });
  let reply: ProviderReply;
  try {
    reply = await provider.generate(messages, {
      maxTokens: opts.maxTokens ?? undefined,
      temperature: opts.temperature ?? undefined,
      signal: deps.signal,
      onDelta: deps.onDelta && ((text, outputTokens) => deps.onDelta!(text, outputTokens, runningCost(outputTokens))),
      // A 429 or 529 here slows every run that shares the gate, not just this one.
      onRetry: (info) => {
        if (/^(429|529)\b/.test(info.reason)) deps.gate?.backoff(info.waitMs);
      },
    });
  } catch (err) {
    record({ usage: null, cost: null, outcome: 'error', errorCode: toPtcError(err).code });
    throw err;
  } finally {
    release?.();
  }
  const cost = deps.computeCost(reply.usage, price, reply.costUsd);
  record({ usage: reply.usage, cost, outcome: 'ok', errorCode: null });
  draft.usage = draft.usage ? addUsage(draft.usage, reply.usage) : reply.usage;
  draft.cost = sumCost(draft.cost, cost);
  if (reply.model && reply.model !== draft.model) draft.model = draft.model ?? reply.model;
  draft.rounds.push({ round, usage: reply.usage, cost, tests: null });
  if (cost.source === 'unknown' && round === 0) {
    warn(draft, deps.logger, `no price known for ${provider.id}/${provider.model}: cost not reported (add it under "pricing" in your rc file)`);
  }
  return reply;
}

/** Output tokens assumed for the budget when --max-tokens is not set (what the Anthropic adapter sends). */
const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

/** Tokens in a text, on the high side (about 3 characters a token; English prose runs nearer 4). */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

function lastCall(draft: ResultDraft): Usage | null {
  for (let i = draft.rounds.length - 1; i >= 0; i--) {
    const usage = draft.rounds[i]!.usage;
    if (usage) return usage;
  }
  return null;
}

function promptTokens(u: Usage): number {
  return u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}

/**
 * Marks the system prompt and the original request as the prefix every repair call repeats, so providers
 * with prompt caching (Anthropic's cache_control) bill it at the cache price from the second call on.
 */
function markRepeatedPrefix(messages: ChatMessage[]): ChatMessage[] {
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  return messages.map((m, i) => (m.role === 'system' || i === lastUser ? { ...m, cache: true } : m));
}

function truncated(reply: ProviderReply, opts: PipelineOptions): ReplyError {
  return new ReplyError(`the reply was cut off at the token limit (${reply.usage.outputTokens} output tokens); nothing was written from it`, {
    code: 'reply_truncated',
    hint: `raise --max-tokens${opts.maxTokens ? ` (now ${opts.maxTokens})` : ''}, or ask for less code`,
    retryable: true,
  });
}

/** The live line's "round N: passed/total · tokens · cost", once a round is complete. */
function emitRound(deps: PipelineDeps, draft: ResultDraft): void {
  const round = draft.rounds[draft.rounds.length - 1];
  if (round) deps.onRound?.(round, draft);
}

function emptyPlan(outDir: string): PlanLike {
  return { outDir, files: [], refused: [], conflicts: [] };
}

export function sumCost(a: Cost | null, b: Cost): Cost {
  if (!a) return b;
  if (a.usd === null || b.usd === null) return { usd: null, source: 'unknown' };
  return { usd: a.usd + b.usd, source: a.source === b.source ? a.source : 'catalog' };
}

async function createSandbox(lang: Lang, deps: PipelineDeps): Promise<Sandbox> {
  deps.onPhase?.(deps.sandbox.kind === 'daytona' ? 'creating Daytona sandbox' : 'preparing local sandbox');
  const release = deps.sandboxGate ? await deps.sandboxGate.acquire(deps.signal) : () => {};
  let sandbox: Sandbox;
  try {
    sandbox = await deps.sandbox.create(lang);
  } catch (err) {
    release();
    throw err;
  }
  const unregister = deps.registerCleanup(() => sandbox.dispose());
  const dispose = sandbox.dispose.bind(sandbox);
  (sandbox as { dispose: () => Promise<void> }).dispose = async () => {
    unregister();
    try {
      await dispose();
    } finally {
      release();
    }
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

function describeFiles(working: Map<string, GeneratedFile>) {
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
