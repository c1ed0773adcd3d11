/**
 * --candidates k: k replies asked for at once and each tested, as soon as it is in, in a sandbox of its own. The
 * first whose tests all pass wins and the others are cancelled; when none passes, the one with the most passing
 * tests wins and goes on to the repair loop. Nothing is written to the output folder until a winner is chosen.
 * Every call counts in the run's usage and cost, and --max-cost must cover all k worst cases before any is sent.
 */
import { readdir } from 'node:fs/promises';
import { abortReason, PtcError, ReplyError, toPtcError, UsageError } from '../errors.js';
import { newDraft, type ResultDraft, testsFailed } from '../report/build.js';
import type { CandidateEntry } from '../report/result-schema.js';
import { sumCost } from '../cost/sum.js';
import type { ChatMessage, GeneratedFile, ParsedReply, Provider, Sandbox, TestReport, Usage } from '../types.js';
import { addUsage } from '../types.js';
import { DEFAULT_MAX_OUTPUT_TOKENS, estimateTokens, overBudget } from './budget.js';
import { collectFiles, type CollectedFile } from './collect.js';
import type { EarlySandbox } from './early-sandbox.js';
import { sandboxContents, writeGuard } from './user-tests.js';
import { callModel, truncated } from './model-call.js';
import type { PipelineDeps, PipelineOptions, PlanLike } from './pipeline-types.js';
import { createSandbox, runTests, toRoundTests } from './test-run.js';

export interface CandidateRace {
  provider: Provider;
  messages: ChatMessage[];
  opts: PipelineOptions;
  deps: PipelineDeps;
  draft: ResultDraft;
  /** One sandbox per candidate, started while the models answer. */
  sandboxes: EarlySandbox[];
}

/** The chosen candidate: its reply, its write plan (not yet committed), and a sandbox holding its files (null: none needed). */
export interface Winner {
  replyText: string;
  parsed: ParsedReply;
  plan: PlanLike;
  sandbox: Sandbox | null;
}

interface Run {
  index: number;
  controller: AbortController;
  sub: ResultDraft;
  started: number;
  streamedTokens: number;
  replyText?: string;
  parsed?: ParsedReply;
  plan?: PlanLike;
  sandbox?: Sandbox;
  tests?: TestReport;
  error?: PtcError;
  cancelled: boolean;
  finishedMs?: number;
}

const allPass = (t: TestReport | undefined) => Boolean(t && t.ran && !testsFailed(t) && t.passed > 0);

export async function raceCandidates(c: CandidateRace): Promise<Winner> {
  const { provider, messages, opts, deps, draft } = c;
  const k = c.sandboxes.length;
  const price = deps.price(provider);
  if (opts.maxCost !== null) {
    const stop = overBudget({ provider, price, messages, maxCost: opts.maxCost, maxTokens: opts.maxTokens, spent: draft.cost?.usd ?? 0, floorTokens: 0, calls: k });
    if (stop) throw new UsageError(stop, { code: 'budget_exceeded', hint: 'raise --max-cost, lower --max-tokens, or ask for fewer --candidates' });
  }
  // Each call is then sent with the output cap the check assumed, as a single call under --max-cost is.
  const callOpts: PipelineOptions = {
    ...opts,
    maxCost: null,
    maxTokens: opts.maxTokens ?? (opts.maxCost !== null ? DEFAULT_MAX_OUTPUT_TOKENS : null),
  };
  const onDisk = await existingFiles(opts.outDir);
  const runs: Run[] = Array.from({ length: k }, (_, index) => ({
    index,
    controller: new AbortController(),
    sub: { ...newDraft('generate'), provider: draft.provider, model: draft.model },
    started: Date.now(),
    streamedTokens: 0,
    cancelled: false,
  }));
  let winner: Run | null = null;

  const one = async (run: Run): Promise<void> => {
    const signal = AbortSignal.any([deps.signal, run.controller.signal]);
    const first = run.index === 0;
    const own: PipelineDeps = {
      ...deps,
      signal,
      // One progress line: the first candidate's phases and stream stand for all of them.
      onPhase: first ? deps.onPhase : undefined,
      onDelta: (text, outputTokens, spent, thinking) => {
        run.streamedTokens = outputTokens;
        if (first) deps.onDelta?.(text, outputTokens, spent, thinking);
      },
      onRound: undefined,
    };
    try {
      const reply = (await callModel({ provider, messages, opts: callOpts, deps: own, draft: run.sub, round: 0 }))!;
      if (reply.stopReason === 'length') throw truncated(reply, opts);
      run.replyText = reply.text;
      const parsed = deps.reply.parseReply(reply.text, { lang: opts.lang });
      run.parsed = parsed;
      if (parsed.files.length === 0) {
        throw new ReplyError(`no code found in candidate ${run.index}'s reply`, { code: 'reply_no_code', hint: 'try again, or rephrase the prompt' });
      }
      const plan = await deps.workspace.planWrite(opts.outDir, parsed.files, { force: opts.force, protect: writeGuard(opts), ...opts.limits });
      run.plan = plan;
      const sandbox = await c.sandboxes[run.index]!.take();
      run.sandbox = sandbox;
      if (signal.aborted) throw abortReason(signal)!;
      const files = plan.files.map((f) => ({ path: f.path, content: f.content, kind: f.kind }));
      await sandbox.prepare(withProject(onDisk, files, opts));
      run.tests = await runTests({ sandbox, lang: opts.lang, files, dependencies: parsed.dependencies, lastRound: opts.fix <= 0, opts, deps: own, draft: run.sub });
      if (allPass(run.tests) && !winner) {
        winner = run;
        for (const other of runs) if (other !== run) other.controller.abort(new PtcError('candidate_cancelled', 1, 'another candidate passed first'));
      } else {
        // Not holding a sandbox while the others finish: with fewer sandboxes than candidates (a batch's limit, a
        // pool) the others may be waiting for this one. If it is chosen for repair, it gets a sandbox again.
        run.sandbox = undefined;
        await sandbox.dispose().catch(() => {});
      }
    } catch (err) {
      if (run.controller.signal.aborted && !deps.signal.aborted) run.cancelled = true;
      else run.error = toPtcError(err);
    } finally {
      run.finishedMs = Date.now() - run.started;
    }
  };
  await Promise.all(runs.map(one));

  const interrupted = abortReason(deps.signal);
  winner ??= best(runs);
  const chosen = winner as Run | null;
  // Every candidate's spend counts, the chosen one's round last (the repair loop goes on from it).
  for (const run of [...runs.filter((r) => r !== chosen), ...(chosen ? [chosen] : [])]) mergeInto(draft, run, deps, provider, messages);
  draft.candidates = runs.map((run) => entryOf(run, chosen, deps, provider, messages));
  for (const run of runs) if (run !== chosen) await run.sandbox?.dispose().catch(() => {});
  if (interrupted) {
    await chosen?.sandbox?.dispose().catch(() => {});
    throw interrupted;
  }
  if (!chosen) throw runs.find((r) => r.error)?.error ?? new ReplyError('no candidate gave a usable reply', { code: 'reply_no_code' });
  draft.tests = chosen.tests!;
  const last = draft.rounds[draft.rounds.length - 1];
  if (last) last.tests = toRoundTests(chosen.tests!);
  deps.logger.info(`candidate ${chosen.index} of ${k} kept (${chosen.tests!.passed} passing)`);
  let sandbox = chosen.sandbox ?? null;
  if (!sandbox && opts.fix > 0 && testsFailed(chosen.tests!)) {
    // The repair loop goes on from the chosen candidate's files, in a sandbox of its own again.
    sandbox = await createSandbox(opts.lang, deps, opts.outDir);
    const files = chosen.plan!.files.map((f) => ({ path: f.path, content: f.content, kind: f.kind }));
    await sandbox.prepare(withProject(onDisk, files, opts)).catch(async (err: unknown) => {
      await sandbox!.dispose().catch(() => {});
      throw err;
    });
  }
  return { replyText: chosen.replyText!, parsed: chosen.parsed!, plan: chosen.plan!, sandbox };
}

/** Of the candidates that ran their tests: the most passing, then the fewest failing, then the first sent. */
function best(runs: Run[]): Run | null {
  const tested = runs.filter((r) => r.tests && !r.error && !r.cancelled);
  tested.sort((a, b) => b.tests!.passed - a.tests!.passed || bad(a.tests!) - bad(b.tests!) || a.index - b.index);
  return tested[0] ?? null;
}

const bad = (t: TestReport) => t.failed + t.errors;

/** A call cancelled mid-answer reported no usage: what had streamed, with the prompt's estimate, stands for it. */
function usageOf(run: Run, messages: ChatMessage[]): { usage: Usage | null; estimated: boolean } {
  if (run.sub.usage) return { usage: run.sub.usage, estimated: false };
  if (!run.cancelled) return { usage: null, estimated: false };
  return {
    usage: { inputTokens: estimateTokens(messages.map((m) => m.content).join('\n')), outputTokens: run.streamedTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
    estimated: true,
  };
}

function costOf(run: Run, deps: PipelineDeps, provider: Provider, messages: ChatMessage[]) {
  if (run.sub.cost) return run.sub.cost;
  const { usage, estimated } = usageOf(run, messages);
  return usage && estimated ? deps.computeCost(usage, deps.price(provider), null) : null;
}

function mergeInto(draft: ResultDraft, run: Run, deps: PipelineDeps, provider: Provider, messages: ChatMessage[]): void {
  const { usage } = usageOf(run, messages);
  const cost = costOf(run, deps, provider, messages);
  if (usage) draft.usage = draft.usage ? addUsage(draft.usage, usage) : usage;
  if (cost) draft.cost = sumCost(draft.cost, cost);
  for (const round of run.sub.rounds) draft.rounds.push(run.tests ? { ...round, tests: toRoundTests(run.tests) } : round);
  for (const w of run.sub.warnings) draft.warnings.push(`candidate ${run.index}: ${w}`);
  // Every candidate's reply was paid for and saved; the chosen one comes last, so an error names it.
  draft.replyFiles.push(...run.sub.replyFiles);
}

function entryOf(run: Run, chosen: Run | null, deps: PipelineDeps, provider: Provider, messages: ChatMessage[]): CandidateEntry {
  const { usage, estimated } = usageOf(run, messages);
  const outcome: CandidateEntry['outcome'] =
    run === chosen ? 'won' : run.cancelled ? 'cancelled' : run.error || !run.tests ? 'error' : allPass(run.tests) ? 'passed' : 'failed';
  return {
    index: run.index,
    outcome,
    usage,
    cost: costOf(run, deps, provider, messages),
    ...(estimated ? { usageEstimated: true } : {}),
    tests: run.tests ? { passed: run.tests.passed, failed: run.tests.failed, errors: run.tests.errors, skipped: run.tests.skipped } : null,
    error: run.error ? { code: run.error.code, message: run.error.message } : null,
    durationMs: run.finishedMs ?? 0,
  };
}

/** The output folder's files as they are (a project written into); none when it does not exist yet. */
async function existingFiles(dir: string): Promise<CollectedFile[]> {
  const exists = await readdir(dir).then(() => true, () => false);
  return exists ? collectFiles(dir) : [];
}

/**
 * What a candidate's sandbox gets: the project's files, with the candidate's own over them, and the user's
 * context and acceptance tests (hidden tests come in only for their own run).
 */
function withProject(onDisk: CollectedFile[], files: GeneratedFile[], opts: PipelineOptions): { path: string; content: string | Buffer }[] {
  const mine = new Map(files.map((f) => [f.path, f]));
  // The candidate's own files after the user's: their paths never meet (acceptance paths are refused to a reply,
  // and a context file the reply replaced is left out).
  return [...sandboxContents(onDisk.filter((f) => !mine.has(f.path)), mine, opts), ...files.map((f) => ({ path: f.path, content: f.content }))];
}
