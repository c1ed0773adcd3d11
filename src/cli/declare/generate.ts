import type { Command } from 'commander';
import { declareOptions } from '../options.js';
import { type Runner, outputOptions } from './shared.js';

/** `ptc generate`: its arguments, options and help; the run function loads only when it runs. */
export function declareGenerate(program: Command, run: Runner): void {
  outputOptions(
    declareOptions(
      program
        .command('generate')
        .alias('gen')
        .description('prompt → model → code and tests on disk → (optionally) run them and repair')
        .argument('[prompt...]', 'what to build; "-" or no words with piped stdin reads the prompt from stdin'),
      'generate',
    ),
    { verbose: 'print more on stderr: the prompt and repair requests sent, provider and sandbox details, stacks of internal errors' },
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ptc generate "a function that checks if a number is prime" --run
  $ echo "parse ISO-8601 durations" | ptc generate --lang typescript --out ./duration
  $ ptc generate --prompt-file task.md --run --fix 3 --max-cost 0.10 --json`,
    )
    .action(run(async () => (await import('../../commands/generate.js')).generateCommand));
}
