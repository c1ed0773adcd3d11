import type { Command } from 'commander';
import { type Runner, outputOptions } from './shared.js';

/** `ptc config`: its arguments, options and help; the run function loads only when it runs. */
export function declareConfig(program: Command, run: Runner): void {
  const config = program.command('config').description('show, explain and start configuration');
  outputOptions(
    config.command('show').description('the resolved configuration, each value with its source; keys redacted'),
  ).action(run(async () => (await import('../../commands/config.js')).configShowCommand));
  outputOptions(config.command('path').description('the rc files ptc reads, in precedence order')).action(
    run(async () => (await import('../../commands/config.js')).configPathCommand),
  );
  config
    .command('init')
    .description('write a starter .ptcrc.json here (no secrets; names the variables keys come from)')
    .option('-p, --provider <id>', 'the provider to start with', 'kimi')
    .option('--force', 'overwrite an existing .ptcrc.json')
    .action(run(async () => (await import('../../commands/config.js')).configInitCommand));
}
