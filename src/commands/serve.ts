import { resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import { ExitCode, UsageError } from '../errors.js';
import { quietProgress } from '../app/quiet-progress.js';
import { ensureRoot } from '../app/root.js';
import { isLoopbackHost } from '../serve/auth.js';

export interface ServeCommandOptions {
  host: string;
  port: number;
  root?: string;
  maxConcurrency: number;
  requestTimeout: number;
  shutdownTimeout: number;
  allowBaseUrl?: boolean;
}

/** `ptc serve`: the HTTP service. Runs until SIGTERM/SIGINT, then drains requests in flight and exits. */
export async function serveCommand(ctx: CliContext, opts: ServeCommandOptions): Promise<number> {
  const token = ctx.env.PTC_SERVE_TOKEN?.trim() || null;
  if (!isLoopbackHost(opts.host) && !token) {
    throw new UsageError(`refusing to listen on ${opts.host} without a token: anyone who can reach it could run code and spend your API keys`, {
      code: 'serve_token_required',
      hint: 'set PTC_SERVE_TOKEN to a long random value (clients send Authorization: Bearer <it>), or bind 127.0.0.1',
    });
  }
  ctx.io.addSecret(token);
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
    maxConcurrency: opts.maxConcurrency,
    requestTimeout: opts.requestTimeout,
    allowBaseUrl: Boolean(opts.allowBaseUrl),
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
