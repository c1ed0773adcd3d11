import type { Command } from 'commander';
import { type Runner, count, positive, seconds } from './shared.js';

/** `ptc mcp`: its arguments, options and help; the run function loads only when it runs. */
export function declareMcp(program: Command, run: Runner): void {
  program
    .command('mcp')
    .description('Model Context Protocol server on stdio (tools generate, apply, run_tests, list_models) for agents such as ROMA')
    .option('--root <dir>', 'where outputs go and relative paths start; nothing is written outside it (default: the working directory)')
    .option('--sandbox-concurrency <n>', 'warm Daytona sandboxes kept for the tool calls (default 2)', count('--sandbox-concurrency'))
    .option('--sandbox-idle <seconds>', 'delete a warm sandbox idle this long (default 120)', positive('--sandbox-idle'))
    .option('--request-timeout <seconds>', "bound on each tool call, on top of the call's own timeout (clients often set none)", seconds('--request-timeout'), 600)
    .option('-q, --quiet', 'log less on stderr: no line per tool call')
    .option('-v, --verbose', 'log more on stderr: the prompts and repair requests sent, provider and sandbox details')
    .addHelpText(
      'after',
      `
stdout carries the protocol only; logs go to stderr. Config and keys resolve as for the CLI, from --root.
A call whose tests fail is a result (isError false, exitCode 1); isError means ptc could not do the job.

Examples:
  $ ptc mcp --root ~/projects/scratch
  client config: { "command": "ptc", "args": ["mcp", "--root", "/abs/path"] }`,
    )
    .action(run(async () => (await import('../../commands/mcp.js')).mcpCommand));
}
