import { resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import { ExitCode, UsageError } from '../errors.js';
import { quietProgress } from '../app/quiet-progress.js';
import { ensureRoot } from '../app/root.js';
import { isLoopbackHost } from '../serve/auth.js';
import { type HostName, parseHostName } from '../serve/host.js';
import { normalizeOrigin } from '../serve/origin.js';

export interface ServeCommandOptions {
  host: string;
  port: number;
  root?: string;
  maxConcurrency: number;
  requestTimeout: number;
  shutdownTimeout: number;
  receiveTimeout: number;
  allowBaseUrl?: boolean;
  allowHost?: string[];
  allowOrigin?: string[];
  sandboxConcurrency?: number;
  sandboxIdle?: number;
}

/** Long enough that guessing is hopeless even at many tries a second (32 hex characters are 128 bits). */
export const MIN_TOKEN_LENGTH = 32;
/** The longest delay a Node timer can hold; more fires at once. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** `ptc serve`: the HTTP service. Runs until SIGTERM/SIGINT, then drains requests in flight and exits. */
export async function serveCommand(ctx: CliContext, opts: ServeCommandOptions): Promise<number> {
  const token = ctx.env.PTC_SERVE_TOKEN?.trim() || null;
  ctx.io.addSecret(token);
  if (token && token.length < MIN_TOKEN_LENGTH) {
    throw new UsageError(`PTC_SERVE_TOKEN is ${token.length} characters long; it must have at least ${MIN_TOKEN_LENGTH}`, {
      code: 'serve_token_too_short',
      hint: 'generate one with `openssl rand -hex 32`',
    });
  }
  if (!isLoopbackHost(opts.host) && !token) {
    throw new UsageError(`refusing to listen on ${opts.host} without a token: anyone who can reach it could run code and spend your API keys`, {
      code: 'serve_token_required',
      hint: 'set PTC_SERVE_TOKEN to a random value of 32+ characters (`openssl rand -hex 32`; clients send Authorization: Bearer <it>), or bind 127.0.0.1',
    });
  }
  for (const [name, seconds] of [['--request-timeout', opts.requestTimeout], ['--receive-timeout', opts.receiveTimeout]] as const) {
    if (seconds > MAX_TIMER_SECONDS) throw new UsageError(`${name} must be at most ${MAX_TIMER_SECONDS} seconds, got ${seconds}`);
  }
  const allowHosts = (opts.allowHost ?? []).map(hostEntry);
  const allowOrigins = (opts.allowOrigin ?? []).map(originEntry);
  const root = resolve(ctx.cwd, opts.root ?? '.');
  await ensureRoot(root, opts.root);
  if (!Number.isInteger(opts.maxConcurrency)) {
    throw new UsageError(`--max-concurrency must be a whole number, got ${opts.maxConcurrency}`);
  }

  const { startService } = await import('../serve/server.js');
  const service = await startService({
    host: opts.host,
    port: opts.port,
    root,
    env: ctx.env,
    logger: quietProgress(ctx.io.logger),
    addSecret: (v) => ctx.io.addSecret(v),
    scrub: (t) => ctx.io.scrub(t),
    token,
    allowHosts,
    allowOrigins,
    receiveTimeout: opts.receiveTimeout,
    maxConcurrency: opts.maxConcurrency,
    requestTimeout: opts.requestTimeout,
    allowBaseUrl: Boolean(opts.allowBaseUrl),
    sandboxConcurrency: opts.sandboxConcurrency,
    sandboxIdleSeconds: opts.sandboxIdle,
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      throw new UsageError(`cannot listen on ${opts.host}:${opts.port} (${err.code})`, { hint: 'pick another --port or --host' });
    }
    throw err;
  });
  ctx.io.note(`listening on ${service.url} (root ${root}${token ? ', token required' : ''})`);

  // The drain may take its whole --shutdown-timeout; the exit-anyway deadline after a signal must outlast it.
  ctx.lifecycle.signalGraceMs = Math.max(ctx.lifecycle.signalGraceMs, opts.shutdownTimeout * 1000 + 15_000);
  const signal = ctx.lifecycle.signal;
  await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
  ctx.io.note(`shutting down: letting requests in flight finish (up to ${opts.shutdownTimeout}s)`);
  await service.shutdown(opts.shutdownTimeout * 1000);
  ctx.io.note('stopped');
  return ExitCode.ok;
}

function hostEntry(value: string): HostName {
  const host = parseHostName(value);
  if (!host) {
    throw new UsageError(`--allow-host ${JSON.stringify(value)} is not a host name`, {
      hint: 'give the name clients put in the URL, optionally with a port: --allow-host ptc.internal or ptc.internal:8001',
    });
  }
  return host;
}

function originEntry(value: string): string {
  const origin = normalizeOrigin(value);
  if (!origin) {
    throw new UsageError(`--allow-origin ${JSON.stringify(value)} is not a web origin`, {
      hint: 'give scheme, host and port only, exactly as the page is served: --allow-origin https://app.example.com',
    });
  }
  return origin;
}
