/**
 * One model call within the budget: checks --max-cost first, takes a place at the shared gate (ptc batch),
 * records the call (history) and the round (usage, cost), and adds to the run's totals.
 */
import { sumCost } from '../cost/sum.js';
import { ProviderError, ReplyError, toPtcError, UsageError } from '../errors.js';
import type { CallRecord } from '../history/call-record.js';
import type { ChatMessage, Provider, ProviderReply } from '../types.js';
import { addUsage } from '../types.js';
import { DEFAULT_MAX_OUTPUT_TOKENS, estimateTokens, overBudget, worstCall } from './budget.js';
import type { PipelineOptions } from './pipeline-types.js';
import { type RunScope, warn } from './run-scope.js';

export interface ModelCall extends RunScope {
  provider: Provider;
  messages: ChatMessage[];
  /** 0 for the first call, n for repair round n. */
  round: number;
  /** A lower bound on the prompt's size known from earlier calls. */
  floorTokens?: number;
}

/**
 * Returns null, with `draft.stopReason` set, when `--max-cost` could be passed by a repair round's call; throws
 * a UsageError when it could be passed by the first call.
 */
export async function callModel(c: ModelCall): Promise<ProviderReply | null> {
  const { provider, messages, opts, deps, draft, round } = c;
  const price = deps.price(provider);
  // Under --max-cost the call is sent with the output cap the budget check assumed, so it is bounded even on
  // a wire that sets no cap of its own (the OpenAI-compatible ones).
  const outputCap = opts.maxTokens ?? (opts.maxCost !== null || deps.budget ? DEFAULT_MAX_OUTPUT_TOKENS : null);
  if (opts.maxCost !== null) {
    const stop = overBudget({
      provider,
      price,
      messages,
      maxCost: opts.maxCost,
      maxTokens: opts.maxTokens,
      spent: draft.cost?.usd ?? 0,
      floorTokens: c.floorTokens ?? 0,
    });
    // A budget that cannot cover the first call is a usage error (exit 2), said once; one that stops a repair
    // round ends the loop with the tests as they stand.
    if (stop && round === 0) throw new UsageError(stop, { code: 'budget_exceeded', hint: 'raise --max-cost or lower --max-tokens' });
    if (stop) {
      draft.stopReason = stop;
      warn(draft, deps.logger, `stopped before repair round ${round}: ${stop}`);
      return null;
    }
  }
  const hold = deps.budget ? await reserveShared(c, price) : null;
  if (hold === 'stopped') return null;
  deps.onPhase?.(round === 0 ? `asking ${provider.id}/${provider.model}` : `round ${round}: asking ${provider.model} to fix the failures`);
  // The live line's running cost: spend so far plus this call's input (estimated) and output so far.
  const spentBefore = draft.cost ? draft.cost.usd : 0;
  const inputEstimate = estimateTokens(messages.map((m) => m.content).join(''));
  const runningCost = (outputTokens: number) =>
    price && spentBefore !== null ? spentBefore + (inputEstimate * price.input + outputTokens * price.output) / 1e6 : null;
  let release: ((error?: unknown) => void) | null;
  try {
    release = deps.gate ? await deps.gate.acquire(deps.signal) : null;
  } catch (err) {
    hold?.settle(0);
    throw err;
  }
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
      maxTokens: outputCap ?? undefined,
      temperature: opts.temperature ?? undefined,
      thinking: opts.thinking,
      signal: deps.signal,
      onDelta: deps.onDelta && ((text, outputTokens, thinking) => deps.onDelta!(text, outputTokens, runningCost(outputTokens), thinking)),
      // A 429 or 529 here slows every run that shares the gate, not just this one.
      onRetry: (info) => {
        if (info.status === 429 || info.status === 529) deps.gate?.backoff(info.waitMs);
      },
    });
  } catch (err) {
    release?.(err);
    // An HTTP refusal is not billed; a reply that broke off part-way may be, so its reservation stays spent.
    const refused = err instanceof ProviderError && err.status !== null && err.code !== 'provider_stream_error';
    hold?.settle(refused ? 0 : null);
    record({ usage: null, cost: null, outcome: 'error', errorCode: toPtcError(err).code });
    throw err;
  }
  release?.();
  const cost = deps.computeCost(reply.usage, price, reply.costUsd);
  hold?.settle(cost.usd);
  // Paid for: kept on disk before anything else can go wrong with it.
  const saved = await deps.saveReply?.(reply.text, round);
  if (saved) draft.replyFiles.push(saved);
  record({ usage: reply.usage, cost, outcome: 'ok', errorCode: null });
  draft.usage = draft.usage ? addUsage(draft.usage, reply.usage) : reply.usage;
  draft.cost = sumCost(draft.cost, cost);
  if (reply.model && reply.model !== draft.model) draft.model = draft.model ?? reply.model;
  draft.rounds.push({ round, usage: reply.usage, cost, tests: null });
  if (cost.source === 'unknown' && round === 0) {
    // In the result every time (cost: null needs its reason); on stderr once per model, not on every run of a
    // local model that will never have a price.
    const message = `no price known for ${provider.id}/${provider.model}: cost not reported (add it under "pricing" in your rc file)`;
    if (deps.firstNotice?.(`unpriced:${provider.id}/${provider.model}`) ?? true) warn(draft, deps.logger, message);
    else draft.warnings.push(message);
  }
  return reply;
}

/**
 * A place in a budget shared with other runs (ptc batch): the call's worst case is held until its real cost is
 * known. When it cannot fit, the first call fails as `batch_budget_spent` (the task is not started) and a repair
 * round's call stops the loop ('stopped').
 */
async function reserveShared(c: ModelCall, price: ReturnType<ModelCall['deps']['price']>) {
  const { messages, opts, deps, draft, round } = c;
  const budget = deps.budget!;
  const worst = worstCall({ price, messages, maxTokens: opts.maxTokens, floorTokens: c.floorTokens ?? 0 });
  const hold = worst.usd === null ? null : await budget.reserve(worst.usd, deps.signal);
  if (hold) return hold;
  const stop =
    worst.usd === null
      ? `--max-cost: the price of ${c.provider.model} is unknown, so the cost of the next call cannot be bounded`
      : `the batch budget --max-cost $${budget.limitUsd} cannot cover the next call (up to $${worst.usd.toFixed(4)}; $${budget.spentUsd.toFixed(4)} spent)`;
  if (round === 0) {
    throw new UsageError(stop, {
      code: worst.usd === null ? 'budget_exceeded' : 'batch_budget_spent',
      hint: 'raise --max-cost or lower --max-tokens and run the same command again: finished tasks are not run twice',
    });
  }
  draft.stopReason = stop;
  warn(draft, deps.logger, `stopped before repair round ${round}: ${stop}`);
  return 'stopped' as const;
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
  const given = opts.maxTokensGiven === undefined ? opts.maxTokens : opts.maxTokensGiven;
  const thought = reply.usage.reasoningTokens ?? 0;
  const thinking = thought > 0 ? `, ${thought} of them thinking` : '';
  return new ReplyError(`the reply was cut off at the token limit (${reply.usage.outputTokens} output tokens${thinking}); nothing was written from it`, {
    code: 'reply_truncated',
    hint: `raise --max-tokens${given ? ` (now ${given})` : ''}${thought > 0 ? ', or think less (--reasoning low)' : ''}, or ask for less code`,
    retryable: true,
  });
}
