import { type Command, InvalidArgumentError, Option } from 'commander';
import { type FlagValues, longFlag, OPTIONS, type OptionCommand, type OptionSpec } from '../config/options.js';

/** How every command prints (outputOptions in main.ts). */
export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/** The typed options a command's run function takes: its rows of the option table, and the output flags. */
export type CommandOptions<C extends OptionCommand> = FlagValues<C> & OutputFlags;

/**
 * A numeric option's parser: whole numbers only or any finite number, from `min` (or, with `above`, more than
 * it) up to `max`; anything else is a usage error that names the option and says what it must be.
 */
export function numberArg(o: { whole?: boolean; min: number; above?: boolean; max?: number; mustBe: string }) {
  return (name: string) => (raw: string) => {
    const n = Number(raw);
    const ok =
      raw.trim() !== '' &&
      (o.whole ? Number.isInteger(n) : Number.isFinite(n)) &&
      (o.above ? n > o.min : n >= o.min) &&
      (o.max === undefined || n <= o.max);
    if (!ok) throw new InvalidArgumentError(`${name} must be ${o.mustBe}, got "${raw}"`);
    return n;
  };
}


/** Declares a command's options from the option table: flag, help, and for numbers the range check. */
export function declareOptions(cmd: Command, command: OptionCommand, table: Record<string, OptionSpec> = OPTIONS): Command {
  for (const spec of Object.values(table)) {
    if (!spec.commands.includes(command)) continue;
    // eval runs its tasks as a batch: batch's wording fits it unless it has its own.
    const help = spec.helpIn?.[command] ?? (command === 'eval' ? spec.helpIn?.batch : undefined) ?? spec.help;
    const option = new Option(spec.flag, help);
    if (spec.type === 'int' || spec.type === 'number') {
      const parse = numberArg({ whole: spec.type === 'int', min: spec.min, above: 'above' in spec ? spec.above : false, max: spec.max, mustBe: spec.mustBe ?? 'a number' });
      option.argParser(parse(longFlag(spec.flag)));
    }
    cmd.addOption(option);
    if (spec.negation) cmd.addOption(new Option(spec.negation.flag, spec.negation.help));
  }
  return cmd;
}
