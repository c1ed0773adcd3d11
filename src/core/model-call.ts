/**
 * One model call within the budget: checks --max-cost first, takes a place at the shared gate (ptc batch),
 * records the call (history) and the round (usage, cost), and adds to the run's totals.
 */
import { sumCost } from '../cost/sum.js';
import { ReplyError, toPtcError, UsageError } from '../errors.js';
import type { CallRecord } from '../history/call-record.js';
import type { ChatMessage, Provider, ProviderReply } from '../types.js';
import { addUsage } from '../types.js';
import { DEFAULT_MAX_OUTPUT_TOKENS, estimateTokens, overBudget } from './budget.js';
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
  const outputCap = opts.maxTokens ?? (opts.maxCost !== null ? DEFAULT_MAX_OUTPUT_TOKENS : null);
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
      maxTokens: outputCap ?? undefined,
      temperature: opts.temperature ?? undefined,
      signal: deps.signal,
      onDelta: deps.onDelta && ((text, outputTokens) => deps.onDelta!(text, outputTokens, runningCost(outputTokens))),
      // A 429 or 529 here slows every run that shares the gate, not just this one.
      onRetry: (info) => {
        if (info.status === 429 || info.status === 529) deps.gate?.backoff(info.waitMs);
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
