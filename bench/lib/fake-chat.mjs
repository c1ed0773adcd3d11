// An OpenAI-compatible chat completions server for the benches: answers at once, as JSON or as SSE with a
// usage chunk, with the text `answer(body, userText)` gives for the request.
import http from 'node:http';

/** `userText`: the request's user messages, joined. Returns the server's base URL (…/v1) and a close(). */
export async function startFakeChat(answer) {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}');
      const user = (body.messages ?? []).filter((m) => m.role === 'user').map((m) => m.content).join('\n');
      const text = answer(body, user);
      const base = { id: 'chatcmpl-bench', created: 0, model: body.model };
      const usage = { prompt_tokens: Math.ceil(user.length / 4), completion_tokens: Math.ceil(text.length / 4) };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (d) => res.write(`data: ${JSON.stringify(d)}\n\n`);
      send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }] });
      send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, close: () => new Promise((r) => server.close(r)) };
}
