import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { resolveConfig } from '../config/resolve.js';
import { ExitCode, toPtcError } from '../errors.js';
import { finishResult, newDraft } from '../report/build.js';
import type { Result } from '../report/result-schema.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';
import { type AgentRunContext, runAgentRequest } from '../app/agent-run.js';
import { type AgentCommand, inputSchemas, toPipelineRequest } from '../app/request.js';
import { resultSummary } from './summary.js';

/** The MCP tools, independent of the SDK: what each is called, what it takes, and what it does. */

export interface ToolExtra {
  signal: AbortSignal;
  /** Called with each phase ("running tests"); the server turns it into progress notifications. */
  onPhase?: (text: string) => void;
}

/** `serverTimeout` is the per-call time limit (`ptc mcp --request-timeout`), on top of a call's own `timeout`. */
export type ToolServerContext = Omit<AgentRunContext, 'signal' | 'onPhase'>;

/** Clients such as ROMA wait for ever unless told otherwise: a call gets this long by default. */
export const DEFAULT_TOOL_TIMEOUT_SECONDS = 600;

export const PIPELINE_TOOLS: { name: string; command: AgentCommand; title: string; description: string }[] = [
  {
    name: 'generate',
    command: 'generate',
    title: 'Generate tested code from a prompt',
    description:
      'Prompt → LLM → code and test files on disk → optionally run the tests in a sandbox (run: true) and repair (fix: n). ' +
      'Returns the ptc result JSON: files by path relative to outDir, test counts and cases, tokens, cost, and error (with retryable) when it failed.',
  },
  {
    name: 'apply',
    command: 'apply',
    title: 'Write code from a saved model reply',
    description:
      'The same pipeline from a model reply you already have (markdown with fenced files), no LLM call. Returns the ptc result JSON.',
  },
  {
    name: 'run_tests',
    command: 'run',
    title: 'Run the tests in a directory',
    description:
      'Runs the tests already in dir (pytest or node --test) in a sandbox. Returns the ptc result JSON; exitCode 1 means some tests failed.',
  },
];

export const listModelsInput = z.strictObject({
  provider: z.enum(PROVIDER_IDS).optional().describe("only this provider's models"),
});

/**
 * The contract result as MCP content: a short summary and the JSON as text, the JSON as structured content.
 * `isError` only when ptc could not do the job: tests that fail are a result (exitCode 1) the agent acts on,
 * and clients such as FastMCP's raise on `isError`, which would turn that result into an exception.
 */
export function resultContent(result: Result): CallToolResult {
  return {
    content: [
      { type: 'text', text: resultSummary(result) },
      { type: 'text', text: JSON.stringify(result) },
    ],
    structuredContent: result as unknown as Record<string, unknown>,
    isError: !result.ok && result.exitCode !== ExitCode.testsFailed,
  };
}

export async function callPipelineTool(command: AgentCommand, args: unknown, server: ToolServerContext, extra: ToolExtra): Promise<CallToolResult> {
  let result: Result;
  try {
    const input = inputSchemas[command].parse(args);
    const req = await toPipelineRequest(command, input, server.root);
    ({ result } = await runAgentRequest(req, { ...server, signal: extra.signal, onPhase: extra.onPhase }));
  } catch (err) {
    // Arguments the schema could not judge (paths, reply vs replyFile): still answered with a contract result.
    result = finishResult(newDraft(command), toPtcError(err));
  }
  server.logger.info(`${command}: exit ${result.exitCode}${result.error ? ` (${result.error.code})` : ''}`);
  return resultContent(result);
}

export async function listModels(args: z.infer<typeof listModelsInput>, server: ToolServerContext): Promise<CallToolResult> {
  const cfg = await resolveConfig({ cwd: server.root, env: server.env });
  const { loadCatalog } = await import('../cost/catalog.js');
  const { modelsView } = await import('../cost/models-view.js');
  // With the environment, the prices `ptc models --update` refreshed are read too, as the CLI reads them.
  const view = modelsView(loadCatalog(cfg.file.pricing as never, { env: cfg.env }), { provider: args.provider as ProviderId | undefined });
  return {
    content: [{ type: 'text', text: JSON.stringify(view.json) }],
    structuredContent: view.json as Record<string, unknown>,
  };
}
