import type { Readable, Writable } from 'node:stream';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { version } from '../version.js';
import { SandboxPool } from '../sandbox/pool.js';
import { applyInput, generateInput, runInput } from '../app/request.js';
import { callPipelineTool, listModels, listModelsInput, PIPELINE_TOOLS, type ToolServerContext } from './tools.js';

export interface McpServerOptions extends ToolServerContext {
  stdin: Readable;
  stdout: Writable;
  /** Warm Daytona sandboxes kept for the tool calls (default 2), and how long one may sit idle (default 120 s). */
  sandboxConcurrency?: number;
  sandboxIdleSeconds?: number;
}

export interface RunningMcpServer {
  /** Resolves when the client goes away (stdin ends) or `close` is called. */
  closed: Promise<void>;
  /** Cancels requests in flight, waits for their cleanups, and closes the transport. */
  close(): Promise<void>;
}

const INSTRUCTIONS =
  'ptc turns a prompt into tested code. generate: prompt → code + tests on disk (run: true runs them, fix: n repairs). ' +
  'apply: the same from a saved model reply. run_tests: run the tests in a directory. list_models: ids and prices. ' +
  'Results are the ptc JSON contract (schemaVersion 1): ok, exitCode (0 ok, 1 tests failed, 2 usage/config, 3 provider, ' +
  '4 sandbox, 5 unusable reply), outDir, files (paths, not content), tests, usage, cost, error {code, message, hint, retryable}. ' +
  'Each answer is a short summary, then the JSON. Failing tests are a result (exitCode 1, isError false); isError means ptc could not do the job.';

const SHAPES = { generate: generateInput, apply: applyInput, run: runInput } as const;

/** Starts the MCP server on the given streams (stdio in production). The SDK is loaded here, not before. */
export async function startMcpServer(opts: McpServerOptions): Promise<RunningMcpServer> {
  const [{ McpServer }, { StdioServerTransport }, { resultSchema }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/mcp.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('../report/result-schema.js'),
  ]);
  const { stdin, stdout, sandboxConcurrency, sandboxIdleSeconds, ...rest } = opts;
  const sandboxPool = new SandboxPool({ max: sandboxConcurrency ?? 2, idleMs: (sandboxIdleSeconds ?? 120) * 1000, logger: rest.logger });
  const ctx: ToolServerContext = { ...rest, sandboxPool };
  const server = new McpServer({ name: 'ptc', title: 'ptc (Prompt → Test → Code)', version: version() }, { instructions: INSTRUCTIONS });

  // Each call gets an AbortController of its own, so closing the server can cancel what is in flight.
  const inFlight = new Map<AbortController, Promise<unknown>>();
  const track = <T>(signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    const forward = () => controller.abort(signal.reason);
    if (signal.aborted) forward();
    else signal.addEventListener('abort', forward, { once: true });
    const p = work(controller.signal).finally(() => {
      signal.removeEventListener('abort', forward);
      inFlight.delete(controller);
    });
    inFlight.set(controller, p);
    return p;
  };

  for (const tool of PIPELINE_TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: SHAPES[tool.command], outputSchema: resultSchema },
      (args: unknown, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => {
        const token = extra._meta?.progressToken;
        let progress = 0;
        const onPhase =
          token === undefined
            ? undefined
            : (message: string) => {
                progress += 1;
                extra
                  .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, message } })
                  .catch(() => {});
              };
        return track(extra.signal, (signal) => callPipelineTool(tool.command, args, ctx, { signal, onPhase }));
      },
    );
  }
  server.registerTool(
    'list_models',
    {
      title: 'List models and prices',
      description: 'The model catalog: ids per provider, prices in USD per 1M tokens, the date the prices were read.',
      inputSchema: listModelsInput,
    },
    (args) => listModels(args, ctx),
  );

  const transport = new StdioServerTransport(stdin, stdout);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      for (const controller of inFlight.keys()) controller.abort();
      await Promise.allSettled([...inFlight.values()]);
      await server.close().catch(() => {});
      await sandboxPool.close();
      resolveClosed();
    })();
    return closing;
  };
  transport.onerror = (err) => ctx.logger.warn(`mcp transport: ${err.message}`);
  // The stdio transport does not notice the client going away; stdin ending is how it does.
  stdin.once('end', () => void close());
  stdin.once('close', () => void close());
  await server.connect(transport);
  server.server.onclose = () => void close();
  ctx.logger.info(`ptc mcp ${version()}: serving tools on stdio (root ${ctx.root})`);
  return { closed, close };
}
