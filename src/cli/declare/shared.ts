/**
 * What every command declaration uses. A command is two halves, after gh's NewCmd/run split: a declaration here
 * (arguments, options, help — loaded by every `ptc` start) and a run function in src/commands/ that takes typed
 * options and loads only when its command runs.
 */
import { type Command, Option } from 'commander';
import { MAX_TIMEOUT_SECONDS, TIMEOUT_RANGE } from '../../util/timer-range.js';
import type { CliContext } from '../context.js';
import { numberArg } from '../options.js';

/** A command's run function: the CLI context, then commander's arguments and typed options, in that order. */
export type RunFunction<A extends unknown[]> = (ctx: CliContext, ...args: A) => Promise<number>;

/** Wraps a lazily loaded run function as commander's action. */
export type Runner = <A extends unknown[]>(load: () => Promise<RunFunction<A>>) => (...args: A) => Promise<void>;

export const count = numberArg({ whole: true, min: 1, mustBe: 'a whole number ≥ 1' });
export const positive = numberArg({ min: 0, above: true, mustBe: 'a number > 0' });
export const seconds = numberArg({ min: 0, above: true, max: MAX_TIMEOUT_SECONDS, mustBe: TIMEOUT_RANGE });
export const secondsOrZero = numberArg({ min: 0, max: MAX_TIMEOUT_SECONDS, mustBe: `0 or ${TIMEOUT_RANGE}` });
export const port = numberArg({ whole: true, min: 0, max: 65535, mustBe: 'a port number from 0 to 65535' });

/**
 * --json, -q and -v, each described as it works for the command: `verbose` says what -v adds there. `quiet:
 * false` where the command prints nothing on stderr that -q would leave out: still accepted (a script may pass
 * it to every command), but not offered in the help.
 */
export function outputOptions(cmd: Command, help: { verbose: string; quiet?: false }): Command {
  const quiet = new Option('-q, --quiet', 'print less on stderr (warnings and errors only)');
  if (help.quiet === false) quiet.hideHelp();
  return cmd
    .option('--json', 'print exactly one JSON document on stdout (also on failure)')
    .addOption(quiet)
    .option('-v, --verbose', help.verbose);
}

/** What -v adds on commands that only read, print and exit. */
export const VERBOSE_STACKS = 'print the stack of an internal error (a bug in ptc) on stderr';

/** An "Examples:" section for a command's help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
}
