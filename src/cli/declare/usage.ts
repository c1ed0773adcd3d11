import type { Command } from 'commander';
import { type Runner, examples, outputOptions, VERBOSE_STACKS } from './shared.js';

/** `ptc usage`: its arguments, options and help; the run function loads only when it runs. */
export function declareUsage(program: Command, run: Runner): void {
  outputOptions(
    program
      .command('usage')
      .description('spend and tokens from the local history of LLM calls')
      .option('--since <when>', 'a duration (7d, 24h, 30m) or a date (2026-11-01)')
      .option('--by <group>', 'day | provider | model', 'day'),
    { verbose: VERBOSE_STACKS, quiet: false },
  )
    .addHelpText(
      'after',
      examples('ptc usage                                    # spend per day, all history', 'ptc usage --since 7d --by model', 'ptc usage --since 2026-11-01 --by provider --json'),
    )
    .action(run(async () => (await import('../../commands/usage.js')).usageCommand));
}
