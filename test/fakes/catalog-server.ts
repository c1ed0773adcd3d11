/**
 * Loopback servers for the catalog: a static host for LiteLLM's price file (routes scripted per path), and
 * Anthropic's paginated GET /v1/models. Self-contained so they do not depend on the chat fakes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  status?: number;
  body: string;
  headers?: Record<string, string>;
  /** Send the headers, then never the body (the client's time limit must end it). */
  stall?: boolean;
}

export interface StaticFake {
  url(path: string): string;
  /** Paths requested, in order. */
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `routes[path]`; any other path is a 404 (and recorded, so a test sees a wrong request). */
export async function startStaticFake(routes: Record<string, Served>): Promise<StaticFake> {
  const requests: StaticFake['requests'] = [];
  const loop = await listen((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers });
    const r = routes[path];
    if (!r) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers });
    if (r.stall) res.write(r.body.slice(0, 10));
    else res.end(r.body);
  });
  return { url: (path) => `http://127.0.0.1:${loop.port}${path}`, requests, close: loop.close };
}

export interface AnthropicModelsFake {
  url: string;
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/** GET /v1/models the way Anthropic pages it: `limit`, `after_id`, and `has_more` / `last_id` in the answer. */
export async function startAnthropicModelsFake(pages: string[][], apiKey: string): Promise<AnthropicModelsFake> {
  const requests: AnthropicModelsFake['requests'] = [];
  const loop = await listen((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: `${u.pathname}${u.search}`, headers: req.headers });
    // SDK 1.x sends the key as `Authorization: Bearer`; the API also takes `x-api-key`.
    const given = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
    if (given !== apiKey) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
      return;
    }
    if (req.method !== 'GET' || u.pathname !== '/v1/models') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'no route' } }));
      return;
    }
    const after = u.searchParams.get('after_id');
    const index = after === null ? 0 : pages.findIndex((p) => p[p.length - 1] === after) + 1;
    const page = pages[index] ?? [];
    const data = page.map((id) => ({ type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z' }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ data, has_more: index < pages.length - 1, first_id: page[0] ?? null, last_id: page[page.length - 1] ?? null }),
    );
  });
  return { url: `http://127.0.0.1:${loop.port}`, requests, close: loop.close };
}
