/**
 * A Provider that answers from a script: each call takes the next queued reply and records the messages it
 * was sent (deep copies, so later rounds cannot rewrite what an earlier call saw). For core logic tests;
 * the real adapters are tested against the loopback HTTP fakes.
 *
 *   const model = scriptedProvider([{ text: reply1, usage: { inputTokens: 100, outputTokens: 50 } }, { text: reply2 }]);
 *   ... runPipeline(..., { provider: async () => model, ... })
 *   model.calls[1].messages  // what the repair call was sent
 */
import { channel } from 'node:diagnostics_channel';
import type { ChatMessage, GenerateOptions, Provider, ProviderId, ProviderReply, StopReason, Usage } from '../../src/types.js';
import { ZERO_USAGE } from '../../src/types.js';

export interface ScriptedReply {
  text: string;
  usage?: Partial<Usage>;
  /** A billed figure, as OpenRouter reports one. */
  costUsd?: number | null;
  stopReason?: StopReason;
  /** Runs before the reply is given (e.g. to fire an abort); a throw here is the call's failure. */
  before?: (call: RecordedCall) => void | Promise<void>;
}

export interface RecordedCall {
  messages: ChatMessage[];
  opts: Omit<GenerateOptions, 'signal' | 'onDelta' | 'onRetry'>;
}

export interface ScriptedProvider extends Provider {
  calls: RecordedCall[];
  /** Replies not used yet. */
  remaining(): number;
}

export function scriptedProvider(
  replies: ScriptedReply[],
  o: { id?: ProviderId; model?: string } = {},
): ScriptedProvider {
  const queue = [...replies];
  const calls: RecordedCall[] = [];
  return {
    id: o.id ?? 'openai-compatible',
    model: o.model ?? 'scripted-model',
    baseURL: 'http://127.0.0.1:1/v1',
    calls,
    remaining: () => queue.length,
    async generate(messages, opts = {}): Promise<ProviderReply> {
      const { signal, onDelta: _d, onRetry: _r, ...rest } = opts;
      const call: RecordedCall = { messages: structuredClone(messages), opts: rest };
      calls.push(call);
      const next = queue.shift();
      if (!next) throw new Error(`the script has no reply for call ${calls.length}`);
      // The request is on the wire, as Node's fetch reports it for the real SDKs (see src/util/request-sent.ts).
      channel('undici:request:bodySent').publish({});
      await new Promise((r) => setImmediate(r));
      await next.before?.(call);
      if (signal?.aborted) throw signal.reason;
      opts.onDelta?.(next.text, next.usage?.outputTokens ?? 1);
      return {
        text: next.text,
        usage: { ...ZERO_USAGE, ...next.usage },
        costUsd: next.costUsd ?? null,
        stopReason: next.stopReason ?? 'stop',
        model: o.model ?? 'scripted-model',
        durationMs: 1,
      };
    },
  };
}
