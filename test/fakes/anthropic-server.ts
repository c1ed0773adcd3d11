/**
 * A loopback server that speaks the Anthropic Messages API (JSON and SSE with `event:` lines), so the real
 * `@anthropic-ai/sdk` can be driven offline. Accepts both auth styles (`x-api-key` and `Authorization: Bearer`).
 *
 *   const fake = await startAnthropicFake();
 *   fake.enqueue({ text: 'hi', usage: { input: 10, output: 3, cacheRead: 100, cacheWrite: 50 } });
 *   // point the client at fake.url (no /v1: the SDK adds /v1/messages)
 */
import type http from 'node:http';
import { RequestLog } from './request-log.js';
import {
  bearerOf,
  describeReply,
  listenLoopback,
  readRequest,
  sendJSON,
  sleep,
  splitText,
  type RecordedRequest,
} from './openai-server.js';

export type { RecordedRequest } from './openai-server.js';

export interface AnthropicFakeUsage {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** `output_tokens_details.thinking_tokens` (part of `output`), as SDK 1.x reports it. */
  thinking?: number;
}

export interface AnthropicFakeReply {
  /** Reply text (default "ok"). */
  text?: string;
  /** A thinking block before the text: `thinking_delta` events, then a `signature_delta`. */
  thinking?: string;
  /** A `redacted_thinking` block before the text (no deltas: its data is opaque). */
  redactedThinking?: boolean;
  chunks?: string[];
  /** `end_turn` (default), `max_tokens`, … ; null sends neither message_delta's stop_reason nor message_stop. */
  stopReason?: string | null;
  /** As the API does: a reply whose output (thinking included) exceeds the request's max_tokens stops at max_tokens. */
  cutAtMaxTokens?: boolean;
  usage?: AnthropicFakeUsage;
  model?: string;
  /** An HTTP error answer. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** An `event: error` after this many text deltas. */
  streamError?: { afterChunks: number; type: string; message: string };
  dropAfterChunks?: number;
  delayMs?: number;
  hang?: boolean;
  hangAfterChunks?: number;
}

export interface AnthropicFake {
  /** Base URL for the SDK's `baseURL` (the SDK appends /v1/messages). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  enqueue(...replies: AnthropicFakeReply[]): void;
  /** The answer to every message request the queue does not cover. */
  setDefault(reply: AnthropicFakeReply | null): void;
  /** The first request at index `from` (default 0) or later, once it has arrived. */
  waitForRequest(from?: number): Promise<RecordedRequest>;
  /** Throws if a queued reply was never asked for or a request found nothing queued; then clears both. */
  verify(): void;
  /** Stops the server, then verifies. */
  close(): Promise<void>;
}

export interface AnthropicFakeOptions {
  /** When set, requests whose x-api-key or Bearer token differ get a 401. */
  apiKey?: string;
  default?: AnthropicFakeReply;
}

/** The key a request carried, whichever style the SDK used. */
export function anthropicKeyOf(headers: Record<string, string>): string | null {
  return headers['x-api-key'] || bearerOf(headers);
}

export function anthropicError(status: number, type: string, message: string, headers?: Record<string, string>): AnthropicFakeReply {
  return { status, body: { type: 'error', error: { type, message }, request_id: 'req_fake' }, headers };
}

function usageOf(reply: AnthropicFakeReply, text: string) {
  const thinking = reply.usage?.thinking;
  return {
    input_tokens: reply.usage?.input ?? 20,
    output_tokens: reply.usage?.output ?? Math.max(1, Math.ceil(text.length / 4) + (thinking ?? 0)),
    cache_creation_input_tokens: reply.usage?.cacheWrite ?? 0,
    cache_read_input_tokens: reply.usage?.cacheRead ?? 0,
    ...(thinking !== undefined ? { output_tokens_details: { thinking_tokens: thinking } } : {}),
  };
}

/** The content blocks before the text: what a thinking model sends first. */
function thinkingBlocks(reply: AnthropicFakeReply) {
  const blocks: Array<Record<string, unknown>> = [];
  if (reply.thinking !== undefined) blocks.push({ type: 'thinking', thinking: reply.thinking, signature: 'sig-fake-0123' });
  if (reply.redactedThinking) blocks.push({ type: 'redacted_thinking', data: 'opaque-fake-data' });
  return blocks;
}

async function answerMessages(req: RecordedRequest, res: http.ServerResponse, reply: AnthropicFakeReply): Promise<void> {
  if (reply.hang) return;
  if (reply.delayMs) await sleep(reply.delayMs);
  if (reply.status && reply.status >= 400) {
    sendJSON(res, reply.status, reply.body ?? { type: 'error', error: { type: 'api_error', message: 'error' } }, {
      'request-id': 'req_fake',
      ...reply.headers,
    });
    return;
  }
  const text = reply.text ?? 'ok';
  const model = reply.model ?? (req.body?.model as string) ?? 'claude-fake';
  const usage = usageOf(reply, text);
  const cut = reply.cutAtMaxTokens && typeof req.body?.max_tokens === 'number' && usage.output_tokens > req.body.max_tokens;
  if (cut) usage.output_tokens = req.body.max_tokens as number;
  const stop = cut ? 'max_tokens' : reply.stopReason === undefined ? 'end_turn' : reply.stopReason;
  const id = `msg_fake_${Date.now()}`;

  if (!req.body?.stream) {
    sendJSON(
      res,
      200,
      { id, type: 'message', role: 'assistant', model, content: [...thinkingBlocks(reply), { type: 'text', text }], stop_reason: stop, stop_sequence: null, usage },
      { 'request-id': 'req_fake', ...reply.headers },
    );
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_fake', ...reply.headers });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  // Thinking blocks come first, each at its own index; the text block follows them.
  let index = 0;
  if (reply.thinking !== undefined) {
    send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
    for (const piece of splitText(reply.thinking)) {
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } });
      await sleep(1);
    }
    send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'sig-fake-0123' } });
    send('content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  if (reply.redactedThinking) {
    send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: 'opaque-fake-data' } });
    send('content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
  send('ping', { type: 'ping' });
  const pieces = reply.chunks ?? splitText(text);
  for (let i = 0; i <= pieces.length; i++) {
    if (reply.streamError && i === Math.min(reply.streamError.afterChunks, pieces.length)) {
      send('error', { type: 'error', error: { type: reply.streamError.type, message: reply.streamError.message } });
      res.end();
      return;
    }
    if (reply.dropAfterChunks !== undefined && i === Math.min(reply.dropAfterChunks, pieces.length)) {
      res.socket?.destroy();
      return;
    }
    if (reply.hangAfterChunks !== undefined && i === Math.min(reply.hangAfterChunks, pieces.length)) return;
    if (i === pieces.length) break;
    send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: pieces[i] } });
    await sleep(1);
  }
  send('content_block_stop', { type: 'content_block_stop', index });
  if (stop !== null) {
    const { output_tokens, output_tokens_details } = usage as { output_tokens: number; output_tokens_details?: unknown };
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens, ...(output_tokens_details ? { output_tokens_details } : {}) },
    });
    send('message_stop', { type: 'message_stop' });
  }
  res.end();
}

export async function startAnthropicFake(opts: AnthropicFakeOptions = {}): Promise<AnthropicFake> {
  const queue: AnthropicFakeReply[] = [];
  const log = new RequestLog<RecordedRequest>('anthropic fake');
  let fallback: AnthropicFakeReply | null = opts.default ?? null;

  const loop = await listenLoopback(async (req, res) => {
    const recorded = await readRequest(req);
    log.record(recorded);
    const path = recorded.path.split('?')[0]!;
    if (opts.apiKey !== undefined && anthropicKeyOf(recorded.headers) !== opts.apiKey) {
      sendJSON(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
      return;
    }
    if (recorded.method === 'GET' && path === '/v1/models') {
      sendJSON(res, 200, { data: [{ type: 'model', id: 'claude-fake', display_name: 'Fake', created_at: '2026-01-01T00:00:00Z' }], has_more: false, first_id: null, last_id: null });
      return;
    }
    if (recorded.method === 'POST' && path === '/v1/messages') {
      const reply = queue.shift() ?? fallback;
      if (!reply) {
        log.unexpectedRequest(`POST ${path} (request ${log.requests.length})`);
        sendJSON(res, 500, { type: 'error', error: { type: 'api_error', message: 'the fake had no reply queued for this request' } }, { 'x-should-retry': 'false' });
        return;
      }
      await answerMessages(recorded, res, reply).catch(() => res.destroy());
      return;
    }
    sendJSON(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${recorded.method} ${path}` } });
  });

  return {
    url: `http://127.0.0.1:${loop.port}`,
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
