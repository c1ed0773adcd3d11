import { executeRequest, type PipelineRequest } from './execute.js';
import { ExitCode, InterruptedError, PtcError, TimeoutError } from '../errors.js';
import type { CallRecord } from '../history/call-record.js';
import { recordCalls } from '../history/record-calls.js';
import type { Result } from '../report/result-schema.js';
import type { Logger } from '../types.js';
import type { SandboxPool } from '../sandbox/pool.js';

/** What a long-running front end (MCP server, HTTP service) provides to run one request. */
export interface AgentRunContext {
  /** Where relative paths start and where .env / rc files are found; output is confined to it. */
  root: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  addSecret: (value: string | null) => void;
  /** Scrubs known secrets from text that leaves the process. */
  scrub: (text: string) => string;
  /** Fired by the client (MCP cancellation, HTTP disconnect) or the server (shutdown deadline). */
  signal?: AbortSignal;
  /** Server-side bound in seconds, on top of the request's own `timeout`. */
  serverTimeout?: number;
  onPhase?: (text: string) => void;
  /** The spend history names the calls after the front end that made them. */
  historyCommand?: 'mcp' | 'serve';
  /** The server's warm Daytona sandboxes, lent to its requests. */
  sandboxPool?: SandboxPool;
}

export interface AgentRun {
  result: Result;
  /** True when the server-side bound (not the request's own timeout) ended the run. */
  serverTimedOut: boolean;
}

/**
 * Runs one request through the same `executeRequest` the CLI uses, with the request's own AbortController, its
 * timeouts, and its own cleanups (sandboxes), which run before this returns whatever happened.
 */
export async function runAgentRequest(req: PipelineRequest, ctx: AgentRunContext): Promise<AgentRun> {
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let serverTimedOut = false;
  const abort = (reason: PtcError) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onOuterAbort = () => abort(ctx.signal?.reason instanceof PtcError ? ctx.signal.reason : new InterruptedError());
  if (ctx.signal?.aborted) onOuterAbort();
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const own = req.options.timeout;
  if (own) timers.push(setTimeout(() => abort(new TimeoutError(own)), own * 1000));
  const bound = ctx.serverTimeout;
  if (bound && (!own || bound < own)) {
    timers.push(
      setTimeout(() => {
        serverTimedOut = true;
        abort(serverTimeoutError(bound));
      }, bound * 1000),
    );
  }

  const cleanups = new Set<() => Promise<void>>();
  const calls: CallRecord[] = [];
  try {
    const { result, history } = await executeRequest(req, {
      cwd: ctx.root,
      env: ctx.env,
      logger: ctx.logger,
      signal: controller.signal,
      registerCleanup: (fn) => {
        cleanups.add(fn);
        return () => cleanups.delete(fn);
      },
      addSecret: ctx.addSecret,
      onPhase: ctx.onPhase,
      confineTo: ctx.root,
      onCall: (call) => calls.push(call),
      sandboxPool: ctx.sandboxPool,
    });
    await recordCalls({
      env: ctx.env,
      rc: history,
      command: ctx.historyCommand ?? 'mcp',
      calls,
      history: req.options.history,
      scrub: ctx.scrub,
      logger: ctx.logger,
    });
    return { result: JSON.parse(ctx.scrub(JSON.stringify(result))) as Result, serverTimedOut };
  } finally {
    for (const t of timers) clearTimeout(t);
    ctx.signal?.removeEventListener('abort', onOuterAbort);
    // The pipeline disposes its sandboxes itself; these are the ones an abort left behind.
    for (const fn of [...cleanups].reverse()) await fn().catch(() => {});
  }
}

function serverTimeoutError(seconds: number): PtcError {
  return new PtcError('timeout', ExitCode.provider, `timed out after ${seconds}s (the server's per-request limit)`, {
    hint: 'ask for less, or start the server with a larger --request-timeout',
    retryable: true,
  });
}
