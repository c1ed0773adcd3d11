import type { Command } from 'commander';
import { type Runner, examples, outputOptions, VERBOSE_STACKS } from './shared.js';

/** `ptc config`: its arguments, options and help; the run function loads only when it runs. */
export function declareConfig(program: Command, run: Runner): void {
  const config = program
    .command('config')
    .description('show, explain and start configuration')
    .addHelpText('after', examples('ptc config show', 'ptc config path', 'ptc config init -p anthropic'));
  outputOptions(config.command('show').description('the resolved configuration, each value with its source; keys redacted'), {
    verbose: VERBOSE_STACKS,
    quiet: false,
  })
    .addHelpText('after', examples('ptc config show', 'PTC_PROVIDER=anthropic ptc config show --json'))
    .action(run(async () => (await import('../../commands/config.js')).configShowCommand));
  outputOptions(
    config.command('path').description('the rc files ptc reads, in precedence order (also when one of them is broken)'),
    { verbose: VERBOSE_STACKS, quiet: false },
  )
    .addHelpText('after', examples('ptc config path', 'PTC_CONFIG=ci.ptcrc.json ptc config path --json'))
    .action(run(async () => (await import('../../commands/config.js')).configPathCommand));
  config
    .command('init')
    .description('write a starter .ptcrc.json here (no secrets; names the variables keys come from)')
    .option('-p, --provider <id>', 'the provider to start with', 'kimi')
    .option('--force', 'overwrite an existing .ptcrc.json')
    .addHelpText('after', examples('ptc config init', 'ptc config init -p openrouter --force'))
    .action(run(async () => (await import('../../commands/config.js')).configInitCommand));
}
