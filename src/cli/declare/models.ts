import type { Command } from 'commander';
import { type Runner, examples, outputOptions, VERBOSE_STACKS } from './shared.js';

/** `ptc models`: its arguments, options and help; the run function loads only when it runs. */
export function declareModels(program: Command, run: Runner): void {
  outputOptions(
    program
      .command('models')
      .description('the model catalog: ids, prices per 1M tokens, where each price is from and how old it is')
      .option('-p, --provider <id>', 'only this provider\'s models')
      .option('--update', 'refresh prices, limits and retirement dates from LiteLLM\'s price file (rc catalog.url)')
      .option('--remote', 'list the model ids the provider\'s own /models endpoint serves (needs -p and its key)')
      .option('--base-url <url>', 'with --remote: the endpoint to ask')
      .option('--all', 'also list the models that only the updated price file knows'),
    { verbose: VERBOSE_STACKS },
  )
    .addHelpText(
      'after',
      examples(
        'ptc models                                   # every provider\'s models, prices per 1M tokens',
        'ptc models -p anthropic --json',
        'ptc models --update                          # refresh prices and retirement dates',
        'ptc models --remote -p openai-compatible --base-url http://localhost:11434/v1',
      ),
    )
    .action(run(async () => (await import('../../commands/models.js')).modelsCommand));
}
