/**
 * ptc as a library: the same pipeline the CLI, `ptc mcp` and `ptc serve` run, and the types around it.
 *
 *   import { executeRequest } from 'ptc';
 *   const { result } = await executeRequest(
 *     { command: 'apply', prompt: null, replyText, runDir: null, options: { out: 'prime', run: true } },
 *     { cwd: process.cwd(), env: process.env, logger: silentLogger, signal: AbortSignal.timeout(120_000),
 *       registerCleanup: () => () => {}, addSecret: () => {} },
 *   );
 */
export { executeRequest, type ExecuteContext, type PipelineRequest, type PipelineCommandOptions } from './app/execute.js';
export { runPipeline, type PipelineDeps, type PipelineOptions } from './core/pipeline.js';
export { resolveConfig, type ResolvedConfig } from './config/resolve.js';
export { parseReply } from './reply/parse.js';
export { buildMessages } from './prompt/system.js';
export { createProvider, type ProviderSettings } from './providers/index.js';
export { createLocalSandbox } from './sandbox/local.js';
export { runTestsIn } from './sandbox/runner.js';
export { resultSchema, type Result } from './report/result-schema.js';
export type { SourceFile, UserTests } from './sandbox/run-context.js';
export * from './errors.js';
export * from './types.js';
