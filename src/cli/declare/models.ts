import type { Command } from 'commander';
import { type Runner, outputOptions } from './shared.js';

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
      .option('--all', 'also list the models only the update prices'),
  ).action(run(async () => (await import('../../commands/models.js')).modelsCommand));
}
