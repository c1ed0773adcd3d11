import type { Command } from 'commander';
import { declareOptions } from '../options.js';
import { type Runner, outputOptions } from './shared.js';

/** `ptc run`: its arguments, options and help; the run function loads only when it runs. */
export function declareRun(program: Command, run: Runner): void {
  outputOptions(
    declareOptions(
      program
        .command('run')
        .description('run the tests already in a directory in a sandbox and report')
        .argument('[dir]', 'the project directory', '.'),
      'run',
    ),
    { verbose: 'print more on stderr: sandbox details, stacks of internal errors' },
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ptc run ./prime
  $ ptc run . --sandbox daytona --json

Packages come from the folder's requirements*.txt, pyproject.toml or package.json, else from the imports. pytest loads
only the plugins of those packages and the ones the tests use by fixture or marker; set
local.pytestPlugins: all in .ptcrc.json to load every plugin installed for your python.`,
    )
    .action(run(async () => (await import('../../commands/run.js')).runCommand));
}
