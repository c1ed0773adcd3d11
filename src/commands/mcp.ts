import { resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import { ExitCode } from '../errors.js';
import type { Logger } from '../types.js';
import { quietProgress } from '../app/quiet-progress.js';
import { ensureRoot } from '../app/root.js';
import { routeConsoleToStderr } from '../mcp/stdio-hygiene.js';

export interface McpCommandOptions {
  root?: string;
  /** Seconds each tool call may take (commander gives the default). */
  requestTimeout?: number;
  quiet?: boolean;
  verbose?: boolean;
  sandboxConcurrency?: number;
  sandboxIdle?: number;
}

/** `ptc mcp`: a Model Context Protocol server on stdio. stdout carries protocol only; logs go to stderr. */
export async function mcpCommand(ctx: CliContext, opts: McpCommandOptions): Promise<number> {
  const restoreConsole = routeConsoleToStderr();
  try {
    const root = resolve(ctx.cwd, opts.root ?? '.');
    await ensureRoot(root, opts.root);
    const logger: Logger = quietProgress(ctx.io.logger);
    const [{ startMcpServer }, { DEFAULT_TOOL_TIMEOUT_SECONDS }] = await Promise.all([import('../mcp/server.js'), import('../mcp/tools.js')]);
    const server = await startMcpServer({
      root,
      serverTimeout: opts.requestTimeout ?? DEFAULT_TOOL_TIMEOUT_SECONDS,
      env: ctx.env,
      logger,
      addSecret: (v) => ctx.io.addSecret(v),
      scrub: (t) => ctx.io.scrub(t),
      stdin: process.stdin,
      stdout: process.stdout,
      sandboxConcurrency: opts.sandboxConcurrency,
      sandboxIdleSeconds: opts.sandboxIdle,
    });
    const onSignal = () => void server.close();
    ctx.lifecycle.signal.addEventListener('abort', onSignal, { once: true });
    await server.closed;
    ctx.lifecycle.signal.removeEventListener('abort', onSignal);
    return ExitCode.ok;
  } finally {
    restoreConsole();
  }
}
