import type { Command } from 'commander';
import { type Runner, outputOptions } from './shared.js';

/** `ptc doctor`: its arguments, options and help; the run function loads only when it runs. */
export function declareDoctor(program: Command, run: Runner): void {
  outputOptions(
    program.command('doctor').description('check config, keys, endpoints and sandboxes; one line per check'),
  )
    .option('--offline', 'skip the network checks')
    .action(run(async () => (await import('../../commands/doctor.js')).doctorCommand));
}
