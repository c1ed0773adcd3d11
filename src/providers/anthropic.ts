import type { ChatMessage, GenerateOptions, Provider, ProviderReply, Usage } from '../types.js';
import { ZERO_USAGE } from '../types.js';
import { mergeAnthropicUsage, type AnthropicWireUsage } from './anthropic-usage.js';
import {
  type AdapterSettings,
  callContext,
  cutStream,
  requestTimeoutMs,
  retryPolicy,
  stopReasonOf,
  StreamFailure,
  streamFailureOf,
  systemErrorCode,
} from './call-context.js';
import type { Failure } from './failure.js';
import { estimateTokens } from './openai-usage.js';
import { anthropicThinkingField, withSeenThinking } from './reasoning.js';
import { withRetries } from './retry.js';

type AnthropicModule = typeof import('@anthropic-ai/sdk');
type Answer = Omit<ProviderReply, 'durationMs'>;

/** Messages needs a limit; used when the caller sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 8192;

interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: { type: 'ephemeral' };
}

function block(m: ChatMessage): TextBlock {
  return m.cache ? { type: 'text', text: m.content, cache_control: { type: 'ephemeral' } } : { type: 'text', text: m.content };
}

/** System messages go in `system`; `cache` marks the end of a reusable prefix with `cache_control`. */
export function anthropicRequest(model: string, messages: ChatMessage[], opts: GenerateOptions) {
  const system = messages.filter((m) => m.role === 'system').map(block);
  const turns = messages
    .filter((m) => m.role !== 'system')
    .map((m) => ({ role: m.role as 'user' | 'assistant', content: [block(m)] }));
  // SDK 1.x has no temperature (the API removed it, and thinking refuses it): it is deliberately not sent.
  return {
    model,
    max_tokens: opts.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: turns,
    ...(system.length ? { system } : {}),
    ...anthropicThinkingField(opts.thinking),
  };
}

/** Messages API through `@anthropic-ai/sdk`. */
export async function createAnthropicProvider(s: AdapterSettings): Promise<Provider> {
  const sdk: AnthropicModule = await import('@anthropic-ai/sdk');
  const Anthropic = sdk.default;
  const client = new Anthropic({
    apiKey: s.apiKey ?? undefined,
    baseURL: s.baseURL,
    maxRetries: 0,
    defaultHeaders: { ...s.profile.headers, ...s.headers },
    // The SDK's own diagnostics go where ptc's go (stderr, and only when verbose for debug).
    logger: {
      error: (msg: string) => s.logger.warn(`anthropic sdk: ${msg}`),
      warn: (msg: string) => s.logger.warn(`anthropic sdk: ${msg}`),
      info: (msg: string) => s.logger.debug(`anthropic sdk: ${msg}`),
      debug: (msg: string) => s.logger.debug(`anthropic sdk: ${msg}`),
    },
  });
  const ctx = callContext(s);

  function describe(err: unknown): Failure | null {
    if (err instanceof StreamFailure) return err.failure;
    if (err instanceof sdk.APIUserAbortError) return null;
    if (err instanceof sdk.APIConnectionTimeoutError) {
      return { kind: 'timeout', status: null, headers: null, type: null, code: null, message: err.message };
    }
    if (err instanceof sdk.APIConnectionError) {
      return { kind: 'connection', status: null, headers: null, type: null, code: null, message: err.message, causeCode: systemErrorCode(err) };
    }
    if (err instanceof sdk.APIError && typeof err.status === 'number') {
      const e = err as typeof err & { type?: string | null; apiMessage?: string | null; errorCode?: string | null };
      return {
        kind: 'http',
        status: err.status,
        headers: err.headers ?? null,
        type: e.type ?? null,
        code: e.errorCode ?? null,
        message: e.apiMessage ?? err.message,
      };
    }
    return null;
  }

  async function streamed(messages: ChatMessage[], opts: GenerateOptions, signal: AbortSignal, timeLeft?: number): Promise<Answer> {
    const body = { ...anthropicRequest(s.model, messages, opts), stream: true as const };
    const stream = await client.messages.create(body as never, { signal, timeout: requestTimeoutMs(timeLeft) });
    let text = '';
    let thinkingChars = 0;
    let usage: Usage = { ...ZERO_USAGE };
    let reason: string | null = null;
    let stopped = false;
    let model = s.model;
    const soFar = () => Math.max(usage.outputTokens, estimateTokens(text) + Math.ceil(thinkingChars / 4));
    try {
      for await (const event of stream as unknown as AsyncIterable<StreamEvent>) {
        if (event.type === 'message_start') {
          if (event.message?.model) model = event.message.model;
          usage = mergeAnthropicUsage(usage, event.message?.usage);
        } else if (event.type === 'content_block_delta' && event.delta?.type === 'text_delta' && event.delta.text) {
          text += event.delta.text;
          opts.onDelta?.(event.delta.text, soFar());
        } else if (event.type === 'content_block_delta' && event.delta?.type === 'thinking_delta' && event.delta.thinking) {
          // Thinking is counted and shown as progress, never added to the answer's text.
          thinkingChars += event.delta.thinking.length;
          opts.onDelta?.('', soFar(), true);
        } else if (event.type === 'content_block_start' && event.content_block?.type === 'redacted_thinking') {
          opts.onDelta?.('', soFar(), true);
        } else if (event.type === 'message_delta') {
          reason = event.delta?.stop_reason ?? reason;
          usage = mergeAnthropicUsage(usage, event.usage);
        } else if (event.type === 'message_stop') {
          stopped = true;
        }
      }
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw streamFailureOf(err);
    }
    if (signal.aborted) throw signal.reason;
    if (!stopped && reason === null) throw cutStream();
    return { text, usage: withSeenThinking(usage, thinkingChars), costUsd: null, stopReason: stopReasonOf(reason), model };
  }

  async function whole(messages: ChatMessage[], opts: GenerateOptions, signal: AbortSignal, timeLeft?: number): Promise<Answer> {
    const body = anthropicRequest(s.model, messages, opts);
    const res = (await client.messages.create(body as never, { signal, timeout: requestTimeoutMs(timeLeft) })) as unknown as {
      model?: string;
      content?: Array<{ type: string; text?: string; thinking?: string }>;
      stop_reason?: string | null;
      usage?: AnthropicWireUsage;
    };
    // Only text blocks make the answer: thinking and redacted_thinking blocks are left out.
    const text = (res.content ?? []).map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');
    const thinkingChars = (res.content ?? []).reduce((sum, b) => sum + (b.type === 'thinking' ? (b.thinking ?? '').length : 0), 0);
    if (text) opts.onDelta?.(text, res.usage?.output_tokens ?? estimateTokens(text));
    return {
      text,
      usage: withSeenThinking(mergeAnthropicUsage({ ...ZERO_USAGE }, res.usage), thinkingChars),
      costUsd: null,
      stopReason: stopReasonOf(res.stop_reason),
      model: res.model || s.model,
    };
  }

  return {
    id: s.profile.id,
    model: s.model,
    baseURL: s.baseURL,
    async generate(messages, opts = {}) {
      const started = Date.now();
      const call = opts.stream === false ? whole : streamed;
      const answer = await withRetries(
        ctx,
        retryPolicy(s, opts),
        (signal, timeLeft) => call(messages, opts, signal, timeLeft),
        describe,
      );
      return { ...answer, durationMs: Date.now() - started };
    },
  };
}

interface StreamEvent {
  type: string;
  message?: { model?: string; usage?: AnthropicWireUsage };
  delta?: { type?: string; text?: string; thinking?: string; stop_reason?: string | null };
  content_block?: { type?: string };
  usage?: AnthropicWireUsage;
}
