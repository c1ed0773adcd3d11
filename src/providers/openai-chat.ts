import { ProviderError } from '../errors.js';
import type { ChatMessage, GenerateOptions, Provider, ProviderReply, Usage } from '../types.js';
import {
  type AdapterSettings,
  callContext,
  cutStream,
  estimatedUsage,
  requestTimeoutMs,
  retryPolicy,
  stopReasonOf,
  StreamFailure,
  streamFailureOf,
  systemErrorCode,
} from './call-context.js';
import type { Failure } from './failure.js';
import { estimateTokens, normaliseOpenAIUsage, usageOfChunk, type WireUsage } from './openai-usage.js';
import { chatThinkingFields, withSeenThinking } from './reasoning.js';
import { withRetries } from './retry.js';

type OpenAIModule = typeof import('openai');

/** One reply before timing is added. */
type Answer = Omit<ProviderReply, 'durationMs'>;

/**
 * Chat completions through the `openai` SDK, for every OpenAI-compatible endpoint: OpenAI, Kimi, OpenRouter,
 * local servers. Per-provider differences come from the profile.
 */
export async function createOpenAIChatProvider(s: AdapterSettings): Promise<Provider> {
  const sdk: OpenAIModule = await import('openai');
  const OpenAI = sdk.default;
  const client = new OpenAI({
    // No key (local servers): send no Authorization header at all rather than a made-up one.
    apiKey: s.apiKey ?? 'none',
    baseURL: s.baseURL,
    // Never let OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment leak into other providers' requests.
    organization: null,
    project: null,
    maxRetries: 0,
    defaultHeaders: {
      ...s.profile.headers,
      ...s.headers,
      ...(s.apiKey === null ? { Authorization: null } : {}),
    } as Record<string, string>,
  });
  const ctx = callContext(s);

  function describe(err: unknown): Failure | null {
    if (err instanceof StreamFailure) return err.failure;
    if (err instanceof sdk.APIUserAbortError) return null;
    if (err instanceof sdk.APIConnectionTimeoutError) {
      return { kind: 'timeout', status: null, headers: null, type: null, code: null, message: err.message };
    }
    if (err instanceof sdk.APIConnectionError) {
      return {
        kind: 'connection',
        status: null,
        headers: null,
        type: null,
        code: null,
        message: err.message,
        causeCode: systemErrorCode(err),
      };
    }
    if (err instanceof sdk.APIError && typeof err.status === 'number') {
      const body = (err.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown };
      return {
        kind: 'http',
        status: err.status,
        headers: err.headers ?? null,
        type: typeof body.type === 'string' ? body.type : null,
        code: body.code != null ? String(body.code) : null,
        message: typeof body.message === 'string' ? body.message : err.message,
      };
    }
    return null;
  }

  function requestBody(messages: ChatMessage[], opts: GenerateOptions, stream: boolean) {
    const body: Record<string, unknown> = {
      model: s.model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      ...s.profile.extraBody,
      ...chatThinkingFields(s.profile.thinkingWire, opts.thinking),
    };
    if (opts.maxTokens !== undefined) body[s.profile.maxTokensField] = opts.maxTokens;
    // true: any temperature; false or a fixed value: the model rejects others, so none is sent.
    const accepts = (s.temperature ?? s.profile.temperatureForUnknownModels) === true;
    if (opts.temperature !== undefined && accepts) body.temperature = opts.temperature;
    if (opts.temperature !== undefined && !accepts) {
      s.logger.debug(`${s.model} only accepts its own temperature; --temperature not sent`);
    }
    if (stream) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    return body;
  }

  function finish(
    messages: ChatMessage[],
    text: string,
    thinkingChars: number,
    wire: WireUsage | null,
    reason: string | null | undefined,
    model: string,
  ): Answer {
    let usage: Usage;
    let costUsd: number | null = null;
    if (wire) ({ usage, costUsd } = normaliseOpenAIUsage(wire));
    else {
      usage = estimatedUsage(messages, text, s.logger, s.profile.label);
      usage.outputTokens += Math.ceil(thinkingChars / 4);
    }
    return { text, usage: withSeenThinking(usage, thinkingChars), costUsd, stopReason: stopReasonOf(reason), model };
  }

  async function streamed(messages: ChatMessage[], opts: GenerateOptions, signal: AbortSignal, timeLeft?: number): Promise<Answer> {
    const body = requestBody(messages, opts, true);
    const stream = await client.chat.completions.create(body as never, { signal, timeout: requestTimeoutMs(timeLeft) });
    let text = '';
    let reason: string | null = null;
    let wire: WireUsage | null = null;
    let model = s.model;
    let reasoningChars = 0;
    try {
      for await (const chunk of stream as unknown as AsyncIterable<ChunkShape>) {
        if (typeof chunk.model === 'string' && chunk.model) model = chunk.model;
        const usage = usageOfChunk(chunk);
        if (usage) wire = usage;
        const choice = chunk.choices?.[0];
        const piece = choice?.delta?.content;
        // Thinking models stream their reasoning first (Kimi: reasoning_content, OpenRouter: reasoning): it is
        // counted so progress does not stall, and never becomes part of the answer.
        const thought = choice?.delta?.reasoning_content ?? choice?.delta?.reasoning;
        if (thought) {
          reasoningChars += thought.length;
          opts.onDelta?.('', estimateTokens(text) + Math.ceil(reasoningChars / 4), true);
        }
        if (piece) {
          text += piece;
          opts.onDelta?.(piece, estimateTokens(text) + Math.ceil(reasoningChars / 4));
        }
        if (choice?.finish_reason) reason = choice.finish_reason;
      }
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw streamFailureOf(err);
    }
    // The SDK ends the iteration quietly when aborted: that is not a finished reply.
    if (signal.aborted) throw signal.reason;
    if (reason === null) throw cutStream();
    return finish(messages, text, reasoningChars, wire, reason, model);
  }

  async function whole(messages: ChatMessage[], opts: GenerateOptions, signal: AbortSignal, timeLeft?: number): Promise<Answer> {
    const body = requestBody(messages, opts, false);
    const res = (await client.chat.completions.create(body as never, {
      signal,
      timeout: requestTimeoutMs(timeLeft),
    })) as unknown as ChunkShape & {
      error?: unknown;
      choices?: Array<{ message?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null } }>;
    };
    // OpenRouter reports failures that happen after generation began as a 200 with an `error` body.
    if (res.error) throw streamFailureOf({ error: res.error });
    const choice = res.choices?.[0];
    const text = choice?.message?.content ?? '';
    const thought = choice?.message?.reasoning_content ?? choice?.message?.reasoning ?? '';
    if (text) opts.onDelta?.(text, estimateTokens(text));
    return finish(messages, text, thought.length, usageOfChunk(res), choice?.finish_reason, res.model || s.model);
  }

  return {
    id: s.profile.id,
    model: s.model,
    baseURL: s.baseURL,
    async generate(messages, opts = {}) {
      const started = Date.now();
      const attempt = (call: typeof whole) =>
        withRetries(ctx, retryPolicy(s, opts), (signal, timeLeft) => call(messages, opts, signal, timeLeft), describe);
      if (opts.stream === false) return { ...(await attempt(whole)), durationMs: Date.now() - started };
      try {
        return { ...(await attempt(streamed)), durationMs: Date.now() - started };
      } catch (err) {
        if (!refusesStreaming(err)) throw err;
        // Some local servers and gateways reject streaming or stream_options: ask once more for a whole reply.
        s.logger.debug(`${s.profile.label} refused a streamed request; retrying without streaming`);
        return { ...(await attempt(whole)), durationMs: Date.now() - started };
      }
    },
  };
}

function refusesStreaming(err: unknown): boolean {
  return (
    err instanceof ProviderError &&
    err.code === 'provider_bad_request' &&
    (err.status === 400 || err.status === 422) &&
    /stream/i.test(err.message)
  );
}

/** The parts of a chunk (or a whole response) this adapter reads; providers add their own fields. */
interface ChunkShape {
  model?: string;
  usage?: unknown;
  choices?: Array<{
    delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
    finish_reason?: string | null;
    usage?: unknown;
  }>;
}
