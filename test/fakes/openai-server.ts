/**
 * A loopback server that speaks OpenAI chat completions (JSON and SSE) the way OpenAI, Kimi and OpenRouter do,
 * so the real `openai` SDK can be driven offline. Each test scripts replies with `enqueue` and reads what
 * was sent from `requests`. A chat request with nothing queued (and no `setDefault`) is answered with an
 * error, and `verify()` (run by `close()`) then fails the test, as it does for a queued reply never asked for.
 *
 *   const fake = await startOpenAIFake();
 *   fake.enqueue({ text: 'hello', usageShape: 'kimi-top-level-cached', usage: { prompt: 10, cached: 4 } });
 *   // point the client at fake.url (it ends in /v1); `await fake.waitForRequest()` to know it arrived
 *   await fake.close(); // or fake.verify() between the tests that share one fake
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestLog } from './request-log.js';

export interface RecordedRequest {
  method: string;
  /** Path with query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it was not JSON, or null when empty. */
  body: any;
}

export type OpenAIUsageShape =
  /** `prompt_tokens_details.cached_tokens`, usage in a final chunk with `choices: []`. */
  | 'openai'
  /** Kimi: `cached_tokens` at the top level of usage. */
  | 'kimi-top-level-cached'
  /** Kimi legacy streaming: usage inside `choices[0]` of the chunk carrying finish_reason. */
  | 'kimi-usage-in-choice'
  /** OpenRouter: `cost` and `prompt_tokens_details.cache_write_tokens`. */
  | 'openrouter-with-cost'
  /** No usage at all (some local servers). */
  | 'none';

export interface FakeUsage {
  /** prompt_tokens as the wire reports it (including cached and cache-written tokens). */
  prompt?: number;
  completion?: number;
  cached?: number;
  cacheWrite?: number;
  /** OpenRouter's billed cost in USD. */
  cost?: number;
  /** `completion_tokens_details.reasoning_tokens` (part of `completion`). */
  reasoning?: number;
}

export interface OpenAIFakeReply {
  /** Reply text (default "ok"). */
  text?: string;
  /** Reasoning streamed as `delta.reasoning_content` before the text (Kimi thinking models). */
  reasoning?: string;
  /** The field the reasoning comes in: `reasoning_content` (Kimi, default) or `reasoning` (OpenRouter). */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** How the text is split into stream chunks (default: about three pieces). */
  chunks?: string[];
  /** `stop` (default), `length`, … ; null sends no finish_reason at all. */
  finishReason?: string | null;
  usage?: FakeUsage;
  usageShape?: OpenAIUsageShape;
  /** Model named in the reply (default: the one requested). */
  model?: string;
  /** An HTTP error answer: status, JSON body and headers (e.g. `retry-after-ms`). A body without a status is sent with 200. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A `data: {"error":…}` event after this many content chunks, then the stream ends. */
  streamError?: { afterChunks: number; error: unknown };
  /** Destroy the socket after this many content chunks. */
  dropAfterChunks?: number;
  /** Wait before answering. */
  delayMs?: number;
  /** Never answer (the request stays open until the client gives up or the fake closes). */
  hang?: boolean;
  /** Send headers and this many chunks, then go silent. */
  hangAfterChunks?: number;
  /** Send OpenRouter's `: OPENROUTER PROCESSING` comment lines before the first chunk. */
  processingComments?: boolean;
}

export interface OpenAIFake {
  /** Base URL including `/v1`, ready for the SDK's `baseURL`. */
  url: string;
  /** `http://127.0.0.1:<port>` without a path. */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /** Queue replies, answered in order; when the queue is empty the default reply is used, if one was set. */
  enqueue(...replies: OpenAIFakeReply[]): void;
  /** The answer to every chat request the queue does not cover (e.g. "every attempt is a 429"). */
  setDefault(reply: OpenAIFakeReply | null): void;
  /** The first request at index `from` (default 0) or later, once it has arrived. */
  waitForRequest(from?: number): Promise<RecordedRequest>;
  /** Throws if a queued reply was never asked for or a chat request found nothing queued; then clears both. */
  verify(): void;
  /** Stops the server, then verifies. */
  close(): Promise<void>;
}

export interface FakeOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** Reply used when the queue is empty (default: none, and such a request fails the test). */
  default?: OpenAIFakeReply;
  /**
   * Answers by what was asked, when the queue is empty (concurrent tasks arrive in any order); null falls
   * through to the default.
   */
  respond?: (req: RecordedRequest) => OpenAIFakeReply | null;
}

/** Error bodies shaped like the providers' own. */
export const openaiErrors = {
  status(status: number, message: string, type = 'invalid_request_error', code: string | number | null = null, headers?: Record<string, string>): OpenAIFakeReply {
    return { status, body: { error: { message, type, param: null, code } }, headers };
  },
  rateLimited(retryAfterMs = 10): OpenAIFakeReply {
    return openaiErrors.status(429, 'Rate limit reached, please try again after 1 seconds', 'rate_limit_reached_error', null, {
      'retry-after-ms': String(retryAfterMs),
    });
  },
  kimiQuota(): OpenAIFakeReply {
    return openaiErrors.status(429, 'Your account has exceeded its current quota, please check your plan and billing details', 'exceeded_current_quota_error');
  },
  openrouterNoCredits(): OpenAIFakeReply {
    return { status: 402, body: { error: { code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits', metadata: {} } } };
  },
};

// ---------- shared helpers (also used by the Anthropic fake) ----------

export function readRequest(req: http.IncomingMessage): Promise<RecordedRequest> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      let body: unknown = null;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      resolve({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body });
    });
  });
}

export function sendJSON(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function splitText(text: string): string[] {
  if (text.length < 3) return [text];
  const size = Math.ceil(text.length / 3);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export function bearerOf(headers: Record<string, string>): string | null {
  const auth = headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice(7) : null;
}

/** Starts an HTTP server on 127.0.0.1, port 0, whose close() also ends hanging requests. */
export async function listenLoopback(handler: http.RequestListener): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------- the OpenAI-compatible fake ----------

/** A queued reply, short, for the message of a failed verify(). */
export function describeReply(reply: { status?: number; text?: string; hang?: boolean }): string {
  if (reply.status) return `status ${reply.status}`;
  if (reply.hang) return 'a hanging reply';
  return JSON.stringify((reply.text ?? 'ok').slice(0, 60));
}

function wireUsage(shape: OpenAIUsageShape, u: Required<Omit<FakeUsage, 'cost' | 'reasoning'>> & { cost?: number; reasoning?: number }) {
  const base = {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    ...(u.reasoning !== undefined ? { completion_tokens_details: { reasoning_tokens: u.reasoning } } : {}),
  };
  switch (shape) {
    case 'kimi-top-level-cached':
    case 'kimi-usage-in-choice':
      return { ...base, cached_tokens: u.cached };
    case 'openrouter-with-cost':
      return {
        ...base,
        cost: u.cost ?? 0,
        prompt_tokens_details: { cached_tokens: u.cached, cache_write_tokens: u.cacheWrite },
        completion_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
      };
    default:
      return { ...base, prompt_tokens_details: { cached_tokens: u.cached } };
  }
}

function usageOf(reply: OpenAIFakeReply, text: string) {
  return {
    prompt: reply.usage?.prompt ?? 20,
    completion: reply.usage?.completion ?? Math.max(1, Math.ceil(text.length / 4) + (reply.usage?.reasoning ?? 0)),
    cached: reply.usage?.cached ?? 0,
    cacheWrite: reply.usage?.cacheWrite ?? 0,
    cost: reply.usage?.cost,
    reasoning: reply.usage?.reasoning,
  };
}

async function answerChat(req: RecordedRequest, res: http.ServerResponse, reply: OpenAIFakeReply): Promise<void> {
  if (reply.hang) return; // leave it open
  if (reply.delayMs) await sleep(reply.delayMs);
  if ((reply.status && reply.status >= 400) || reply.body !== undefined) {
    // An error status, or a scripted body sent as it is (OpenRouter's 200 with an `error` object).
    sendJSON(res, reply.status ?? 200, reply.body ?? { error: { message: 'error', type: 'api_error' } }, reply.headers);
    return;
  }
  const text = reply.text ?? 'ok';
  const model = reply.model ?? (req.body?.model as string) ?? 'fake-model';
  const shape = reply.usageShape ?? 'openai';
  const usage = shape === 'none' ? null : wireUsage(shape, usageOf(reply, text));
  const finish = reply.finishReason === undefined ? 'stop' : reply.finishReason;
  const id = `chatcmpl-fake-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);

  if (!req.body?.stream) {
    const choice: Record<string, unknown> = {
      index: 0,
      message: { role: 'assistant', content: text, ...(reply.reasoning ? { [reply.reasoningField ?? 'reasoning_content']: reply.reasoning } : {}) },
      finish_reason: finish,
    };
    if (shape === 'kimi-usage-in-choice') choice.usage = usage;
    const body: Record<string, unknown> = { id, object: 'chat.completion', created, model, choices: [choice] };
    if (usage && shape !== 'kimi-usage-in-choice') body.usage = usage;
    sendJSON(res, 200, body, reply.headers);
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...reply.headers });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
    send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason, ...extra }] });

  if (reply.processingComments) {
    res.write(': OPENROUTER PROCESSING\n\n');
    res.write(': OPENROUTER PROCESSING\n\n');
  }
  chunk({ role: 'assistant', content: '' }, null);
  for (const thought of reply.reasoning ? splitText(reply.reasoning) : []) {
    chunk({ [reply.reasoningField ?? 'reasoning_content']: thought }, null);
    await sleep(1);
  }
  const pieces = reply.chunks ?? splitText(text);
  for (let i = 0; i < pieces.length; i++) {
    if (reply.streamError && i === reply.streamError.afterChunks) {
      send({ error: reply.streamError.error });
      res.end();
      return;
    }
    if (reply.dropAfterChunks === i) {
      res.socket?.destroy();
      return;
    }
    if (reply.hangAfterChunks === i) return;
    chunk({ content: pieces[i] }, null);
    await sleep(1);
  }
  if (reply.streamError && reply.streamError.afterChunks >= pieces.length) {
    send({ error: reply.streamError.error });
    res.end();
    return;
  }
  if (reply.dropAfterChunks !== undefined && reply.dropAfterChunks >= pieces.length) {
    res.socket?.destroy();
    return;
  }
  if (reply.hangAfterChunks !== undefined && reply.hangAfterChunks >= pieces.length) return;
  if (finish !== null) {
    chunk({}, finish, shape === 'kimi-usage-in-choice' && usage ? { usage } : {});
  }
  const wantsUsage = req.body?.stream_options?.include_usage === true || shape === 'openrouter-with-cost';
  if (usage && wantsUsage && shape !== 'kimi-usage-in-choice') {
    send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
  }
  res.write('data: [DONE]\n\n');
  res.end();
}

export async function startOpenAIFake(opts: FakeOptions = {}): Promise<OpenAIFake> {
  const queue: OpenAIFakeReply[] = [];
  const log = new RequestLog<RecordedRequest>('openai fake');
  let fallback: OpenAIFakeReply | null = opts.default ?? null;

  const loop = await listenLoopback(async (req, res) => {
    const recorded = await readRequest(req);
    log.record(recorded);
    const path = recorded.path.split('?')[0]!;
    if (opts.apiKey !== undefined && bearerOf(recorded.headers) !== opts.apiKey) {
      sendJSON(res, 401, { error: { message: 'Invalid Authentication', type: 'invalid_authentication_error', code: null } });
      return;
    }
    if (recorded.method === 'GET' && path.endsWith('/models')) {
      sendJSON(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }] });
      return;
    }
    if (recorded.method === 'POST' && path.endsWith('/chat/completions')) {
      const reply = queue.shift() ?? opts.respond?.(recorded) ?? fallback;
      if (!reply) {
        log.unexpectedRequest(`POST ${path} (request ${log.requests.length})`);
        sendJSON(res, 500, { error: { message: 'the fake had no reply queued for this request', type: 'fake_nothing_queued' } }, { 'x-should-retry': 'false' });
        return;
      }
      await answerChat(recorded, res, reply).catch(() => res.destroy());
      return;
    }
    sendJSON(res, 404, { error: { message: `no route ${recorded.method} ${path}`, type: 'not_found' } });
  });

  const origin = `http://127.0.0.1:${loop.port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port: loop.port,
    requests: log.requests,
    enqueue: (...replies) => queue.push(...replies),
    setDefault: (reply) => {
      fallback = reply;
    },
    waitForRequest: (from) => log.waitFor(undefined, from),
    verify: () => log.verify(queue.splice(0).map(describeReply)),
    close: async () => {
      await loop.close();
      log.verify(queue.splice(0).map(describeReply));
    },
  };
}
