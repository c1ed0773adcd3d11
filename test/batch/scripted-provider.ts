/**
 * A loopback OpenAI-compatible endpoint that answers by what the prompt asks, not by arrival order, so a
 * batch running tasks concurrently gets each task's own answer. Speaks the real wire (JSON and SSE with a
 * usage chunk) for the real `openai` SDK, and records when each request came and how many were in flight.
 */
import type http from 'node:http';
import { listenLoopback, readRequest, sendJSON, sleep } from '../fakes/openai-server.js';

export type Answer =
  | { text: string; delayMs?: number; promptTokens?: number; completionTokens?: number }
  | { status: number; headers?: Record<string, string>; body?: unknown };

export interface SeenRequest {
  at: number;
  /** The last user message. */
  prompt: string;
  /** Status the fake answered with. */
  status: number;
  authorization: string | null;
}

export interface ScriptedProvider {
  url: string;
  seen: SeenRequest[];
  maxInFlight: number;
  close(): Promise<void>;
}

/** `answer` gets the last user message and how many requests have asked the same thing before. */
export async function startScriptedProvider(answer: (prompt: string, nth: number) => Answer): Promise<ScriptedProvider> {
  const seen: SeenRequest[] = [];
  const asked = new Map<string, number>();
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const loop = await listenLoopback(async (req, res) => {
    const r = await readRequest(req);
    if (!(r.method === 'POST' && r.path.endsWith('/chat/completions'))) return sendJSON(res, 404, { error: { message: 'no route' } });
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      const messages = (r.body?.messages ?? []) as { role: string; content: string }[];
      const prompt = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const nth = asked.get(prompt) ?? 0;
      asked.set(prompt, nth + 1);
      const a = answer(prompt, nth);
      seen.push({ at: Date.now(), prompt, status: 'status' in a ? a.status : 200, authorization: r.headers.authorization ?? null });
      if ('status' in a) {
        return sendJSON(res, a.status, a.body ?? { error: { message: 'Rate limit reached', type: 'rate_limit_reached_error', code: null } }, a.headers);
      }
      if (a.delayMs) await sleep(a.delayMs);
      reply(res, r.body, a);
    } finally {
      inFlight--;
    }
  });
  return {
    url: `http://127.0.0.1:${loop.port}/v1`,
    seen,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: loop.close,
  };
}

function reply(res: http.ServerResponse, body: any, a: { text: string; promptTokens?: number; completionTokens?: number }): void {
  const model = body?.model ?? 'fake-model';
  const usage = { prompt_tokens: a.promptTokens ?? 100, completion_tokens: a.completionTokens ?? 50, total_tokens: (a.promptTokens ?? 100) + (a.completionTokens ?? 50), prompt_tokens_details: { cached_tokens: 0 } };
  const base = { id: 'chatcmpl-scripted', created: Math.floor(Date.now() / 1000), model };
  if (!body?.stream) {
    sendJSON(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: a.text }, finish_reason: 'stop' }], usage });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: a.text }, finish_reason: null }] });
  send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
  res.write('data: [DONE]\n\n');
  res.end();
}

/** A model reply holding a module and its pytest file, as a model would write it. */
export function pythonReply(module: string, fn: string, body: string, test: string): string {
  return [
    `Here is ${fn}.`,
    '',
    '```python path=' + module + '.py',
    body,
    '```',
    '',
    '```python path=test_' + module + '.py',
    `from ${module} import ${fn}`,
    '',
    test,
    '```',
    '',
  ].join('\n');
}
