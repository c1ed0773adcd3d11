import type { Command } from 'commander';
import { type Runner, examples, outputOptions, VERBOSE_STACKS } from './shared.js';

/** `ptc doctor`: its arguments, options and help; the run function loads only when it runs. */
export function declareDoctor(program: Command, run: Runner): void {
  outputOptions(
    program
      .command('doctor')
      .description('check config, keys (with one model-list request), endpoints and sandboxes; one line per check, every check runs')
      .option('-p, --provider <id>', 'check this provider (default: the configured one)')
      .option('-m, --model <id>', 'check that the endpoint serves this model')
      .option('--base-url <url>', 'check this endpoint instead of the configured one')
      .option('--offline', 'skip the network checks'),
    { verbose: VERBOSE_STACKS, quiet: false },
  )
    .addHelpText(
      'after',
      examples(
        'ptc doctor',
        'ptc doctor -p anthropic -m claude-haiku-4-5',
        'ptc doctor -p openai-compatible --base-url http://localhost:11434/v1',
        'ptc doctor --offline --json',
      ),
    )
    .action(run(async () => (await import('../../commands/doctor.js')).doctorCommand));
}
