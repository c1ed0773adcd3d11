import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ExitCode, PtcError, toPtcError } from '../errors.js';
import { runAgentRequest } from '../app/agent-run.js';
import { SandboxPool } from '../sandbox/pool.js';
import { type AgentCommand, inputSchemas, toPipelineRequest } from '../app/request.js';
import { finishResult, newDraft } from '../report/build.js';
import type { Result } from '../report/result-schema.js';
import type { Logger } from '../types.js';
import { bearerMatches } from './auth.js';
import { checkContentType, DEFAULT_BODY_LIMIT, readJsonBody } from './body.js';
import { bubblewrapWorks, healthReport } from './health.js';
import { checkHost, type HostName } from './host.js';
import { HttpError, httpErrorBody } from './http-error.js';
import { checkOrigin, preflightHeaders } from './origin.js';
import { Slots } from './slots.js';

export interface ServiceOptions {
  host: string;
  port: number;
  /** Outputs are confined here; relative paths, .env and rc files are read from here. */
  root: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  addSecret: (value: string | null) => void;
  scrub: (text: string) => string;
  /** When set, every request but GET /health needs `Authorization: Bearer <token>`. */
  token: string | null;
  /** Host names (besides loopback names and the bound address) that requests may be addressed to. */
  allowHosts?: HostName[];
  /** Web page origins (`scheme://host[:port]`) that may call the server; a request from any other page is refused. */
  allowOrigins?: string[];
  maxConcurrency: number;
  /** Seconds; a run that takes longer is cancelled and answered 504 with its result. */
  requestTimeout: number;
  /** Accept `baseUrl` in bodies. Off by default: it decides where the server's own API keys are sent. */
  allowBaseUrl: boolean;
  bodyLimit?: number;
  /** Seconds the client gets to send the headers, and again to send the body. */
  receiveTimeout?: number;
  /** Warm Daytona sandboxes kept for the requests (default: maxConcurrency), and how long one may sit idle. */
  sandboxConcurrency?: number;
  sandboxIdleSeconds?: number;
}

export interface RunningService {
  url: string;
  port: number;
  /** Stop accepting, let requests in flight finish for up to `graceMs`, cancel the rest, close. */
  shutdown(graceMs: number): Promise<void>;
}

const ROUTES: Record<string, AgentCommand> = { '/v1/generate': 'generate', '/v1/apply': 'apply', '/v1/run': 'run' };
const RETRY_AFTER_SECONDS = 5;
export const DEFAULT_RECEIVE_TIMEOUT_SECONDS = 10;
/** A warm sandbox nobody asked for this long is deleted (it costs money while it runs). */
export const DEFAULT_SANDBOX_IDLE_SECONDS = 120;

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const slots = new Slots(opts.maxConcurrency);
  const sandboxPool = new SandboxPool({
    max: opts.sandboxConcurrency ?? opts.maxConcurrency,
    idleMs: (opts.sandboxIdleSeconds ?? DEFAULT_SANDBOX_IDLE_SECONDS) * 1000,
    logger: opts.logger,
  });
  const inFlight = new Map<AbortController, Promise<void>>();
  const localSandbox = bubblewrapWorks();
  const hostPolicy = { bound: opts.host, allowed: opts.allowHosts ?? [] };
  const allowOrigins = new Set(opts.allowOrigins ?? []);
  const receiveMs = (opts.receiveTimeout ?? DEFAULT_RECEIVE_TIMEOUT_SECONDS) * 1000;
  let draining = false;

  // Node's own limits are the backstop for what the handler never sees: headers that trickle in (408 and closed
  // after receiveMs) and a body nobody reads. The handler's body deadline answers first, with a JSON error.
  const server = http.createServer(
    { headersTimeout: receiveMs, requestTimeout: 2 * receiveMs, connectionsCheckingInterval: Math.min(1000, receiveMs) },
    (req, res) => {
      const started = Date.now();
      const controller = new AbortController();
      const cors: Record<string, string> = {};
      const done = handle(req, res, controller, cors)
        .catch((err) => {
          const httpErr = err instanceof HttpError ? err : internalHttpError(err, opts.logger);
          if (!res.headersSent) send(res, httpErr.status, httpErrorBody(httpErr), { ...cors, ...httpErr.headers });
          else res.destroy();
        })
        .finally(() => {
          inFlight.delete(controller);
          opts.logger.info(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
        });
      inFlight.set(controller, done);
    },
  );

  /**
   * The order is the point: who may ask (Host, Origin, token) and what was sent (type, size, JSON, schema) are
   * settled before a slot is taken, so neither a stranger nor a slow client can hold one.
   */
  async function handle(req: http.IncomingMessage, res: http.ServerResponse, controller: AbortController, cors: Record<string, string>): Promise<void> {
    checkHost(req.headers.host, hostPolicy);
    Object.assign(cors, checkOrigin(req, allowOrigins));
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, req.headers.origin === undefined ? { allow: 'GET, POST' } : preflightHeaders(cors)).end();
      return;
    }
    if (path === '/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', 'use GET /health', { allow: 'GET, HEAD' });
      const health = await healthReport(opts.root, opts.env, await localSandbox).catch((err) => {
        throw new HttpError(503, 'config_invalid', toPtcError(err).message);
      });
      send(res, 200, health, cors);
      return;
    }
    if (opts.token && !bearerMatches(opts.token, req.headers.authorization)) {
      throw new HttpError(401, 'unauthorized', 'missing or wrong bearer token (Authorization: Bearer $PTC_SERVE_TOKEN)', {
        'www-authenticate': 'Bearer realm="ptc"',
      });
    }
    const command = ROUTES[path];
    if (!command) throw new HttpError(404, 'not_found', `no endpoint ${path}: use GET /health, POST /v1/generate, /v1/apply or /v1/run`);
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `use POST ${path}`, { allow: 'POST' });
    checkContentType(req.headers['content-type']);
    const body = await readJsonBody(req, { limit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT, timeoutMs: receiveMs });
    const input = validate(command, body, opts.allowBaseUrl);
    if (draining) throw new HttpError(503, 'shutting_down', 'the server is shutting down', { connection: 'close', 'retry-after': String(RETRY_AFTER_SECONDS) });
    const release = slots.tryAcquire();
    if (!release) {
      throw new HttpError(429, 'too_many_requests', `${slots.size} request(s) already running; try again shortly`, {
        'retry-after': String(RETRY_AFTER_SECONDS),
      });
    }
    try {
      // A client that hangs up has no one to answer: cancel its run, which deletes its sandbox.
      res.on('close', () => {
        if (!res.writableFinished) controller.abort(new PtcError('cancelled', ExitCode.sigint, 'the client closed the connection'));
      });
      let result: Result;
      let status = 200;
      try {
        const pipelineReq = await toPipelineRequest(command, input, opts.root);
        const run = await runAgentRequest(pipelineReq, {
          root: opts.root,
          env: opts.env,
          logger: opts.logger,
          addSecret: opts.addSecret,
          scrub: opts.scrub,
          signal: controller.signal,
          serverTimeout: opts.requestTimeout,
          historyCommand: 'serve',
          sandboxPool,
        });
        result = run.result;
        if (run.serverTimedOut) status = 504;
      } catch (err) {
        result = finishResult(newDraft(command), toPtcError(err));
      }
      send(res, status, result, cors);
    } finally {
      release();
    }
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  let shuttingDown: Promise<void> | null = null;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    shutdown(graceMs: number) {
      shuttingDown ??= (async () => {
        draining = true;
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const all = () => Promise.allSettled([...inFlight.values()]);
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), graceMs)));
        if ((await Promise.race([all().then(() => 'done' as const), graceOver])) === 'late') {
          opts.logger.warn(`${inFlight.size} request(s) still running after ${graceMs / 1000}s: cancelling them`);
          for (const c of inFlight.keys()) c.abort(new PtcError('interrupted', ExitCode.sigterm, 'the server is shutting down'));
          await all();
        }
        clearTimeout(timer);
        server.closeAllConnections();
        await closed;
        await sandboxPool.close();
      })();
      return shuttingDown;
    },
  };
}

function validate(command: AgentCommand, body: unknown, allowBaseUrl: boolean) {
  const parsed = inputSchemas[command].safeParse(body);
  if (!parsed.success) throw new HttpError(400, 'invalid_body', `invalid body for /v1/${command}: ${describeIssues(parsed.error)}`);
  if ('baseUrl' in parsed.data && parsed.data.baseUrl !== undefined && !allowBaseUrl) {
    throw new HttpError(400, 'base_url_not_allowed', '"baseUrl" is off on this server (it decides where the server\'s API keys go); start it with --allow-base-url, or set the endpoint in its rc file');
  }
  return parsed.data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function internalHttpError(err: unknown, logger: Logger): HttpError {
  logger.warn(`internal error: ${(err as Error)?.message ?? String(err)}`);
  return new HttpError(500, 'internal', 'internal error in ptc serve (see its log)');
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
