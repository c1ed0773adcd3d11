/**
 * The steps the pipeline and the repair loop share: one model call within the budget, a sandbox held for the
 * run, one test run, the manifest, and the small bookkeeping around the draft.
 */
import { createHash } from 'node:crypto';
import { worstCaseCostUsd } from '../cost/cost.js';
import { ReplyError, SandboxError, abortReason, toPtcError } from '../errors.js';
import type { CallRecord } from '../history/call-record.js';
import { contractTests, type ResultDraft } from '../report/build.js';
import type {
  ChatMessage,
  Cost,
  GeneratedFile,
  Lang,
  Logger,
  Provider,
  ProviderReply,
  Sandbox,
  TestReport,
  Usage,
} from '../types.js';
import { addUsage } from '../types.js';
import { collectFiles } from './collect.js';
import type { PipelineDeps, PipelineOptions, PlanLike } from './pipeline-types.js';

/**
 * One LLM call, if the budget allows it: records the round (usage, cost) and adds to the totals.
 * Returns null, with `draft.stopReason` set, when `--max-cost` could be passed by this call.
 * `floorTokens` is a lower bound on the prompt's size known from earlier calls.
 */
export async function callModel(
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
export const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

/** Tokens in a text, on the high side (about 3 characters a token; English prose runs nearer 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

export function lastCall(draft: ResultDraft): Usage | null {
  for (let i = draft.rounds.length - 1; i >= 0; i--) {
    const usage = draft.rounds[i]!.usage;
    if (usage) return usage;
  }
  return null;
}

export function promptTokens(u: Usage): number {
  return u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}

/**
 * Marks the system prompt and the original request as the prefix every repair call repeats, so providers
 * with prompt caching (Anthropic's cache_control) bill it at the cache price from the second call on.
 */
export function markRepeatedPrefix(messages: ChatMessage[]): ChatMessage[] {
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  return messages.map((m, i) => (m.role === 'system' || i === lastUser ? { ...m, cache: true } : m));
}

export function truncated(reply: ProviderReply, opts: PipelineOptions): ReplyError {
  return new ReplyError(`the reply was cut off at the token limit (${reply.usage.outputTokens} output tokens); nothing was written from it`, {
    code: 'reply_truncated',
    hint: `raise --max-tokens${opts.maxTokens ? ` (now ${opts.maxTokens})` : ''}, or ask for less code`,
    retryable: true,
  });
}

/** The live line's "round N: passed/total · tokens · cost", once a round is complete. */
export function emitRound(deps: PipelineDeps, draft: ResultDraft): void {
  const round = draft.rounds[draft.rounds.length - 1];
  if (round) deps.onRound?.(round, draft);
}

export function emptyPlan(outDir: string): PlanLike {
  return { outDir, files: [], refused: [], conflicts: [] };
}

export function sumCost(a: Cost | null, b: Cost): Cost {
  if (!a) return b;
  if (a.usd === null || b.usd === null) return { usd: null, source: 'unknown' };
  return { usd: a.usd + b.usd, source: a.source === b.source ? a.source : 'catalog' };
}

export async function createSandbox(lang: Lang, deps: PipelineDeps, projectDir?: string): Promise<Sandbox> {
  deps.onPhase?.(deps.sandbox.kind === 'daytona' ? 'creating Daytona sandbox' : 'preparing local sandbox');
  const release = deps.sandboxGate ? await deps.sandboxGate.acquire(deps.signal) : () => {};
  let sandbox: Sandbox;
  try {
    sandbox = await deps.sandbox.create(lang, { projectDir });
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

export async function uploadDir(sandbox: Sandbox, dir: string, deps: PipelineDeps): Promise<void> {
  deps.onPhase?.('uploading files');
  const files = await collectFiles(dir);
  await sandbox.prepare(files.map((f) => ({ path: f.path, content: f.content })));
}

export async function runTests(
  sandbox: Sandbox,
  lang: Lang,
  files: GeneratedFile[],
  dependencies: string[],
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
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
    // The runner's warnings (a missing optional package, a plugin not loaded) belong in the result too.
    logger: {
      info: (m) => deps.logger.info(m),
      debug: (m) => deps.logger.debug(m),
      progress: (m) => deps.logger.progress(m),
      warn: (m) => warn(draft, deps.logger, m),
    },
    network: sandbox.kind === 'daytona',
    // A Daytona sandbox is fresh: its plugins are the ones the code asked for, whatever the local setting.
    pytestPlugins: sandbox.kind === 'local' ? opts.pytestPlugins : 'used',
    onPhase: (p) => deps.onPhase?.(p === 'installing' ? 'installing dependencies' : 'running tests'),
  });
  if (!report.ran && report.problem) {
    throw new SandboxError(report.problem, { code: 'sandbox_run_failed' });
  }
  return report;
}

/** A round's tests in the contract's shape (the same shape as the final `tests`). */
export function toRoundTests(t: TestReport) {
  return contractTests(t)!;
}

export async function writeManifest(opts: PipelineOptions, deps: PipelineDeps, draft: ResultDraft): Promise<void> {
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

export function describeFiles(working: Map<string, GeneratedFile>) {
  return [...working.values()].map((f) => ({ path: f.path, kind: f.kind, bytes: Buffer.byteLength(f.content), sha256: sha256(f.content) }));
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

export function warn(draft: ResultDraft, logger: Logger, message: string): void {
  draft.warnings.push(message);
  logger.warn(message);
}
