/**
 * What every command declaration uses. A command is two halves, after gh's NewCmd/run split: a declaration here
 * (arguments, options, help — loaded by every `ptc` start) and a run function in src/commands/ that takes typed
 * options and loads only when its command runs.
 */
import type { Command } from 'commander';
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

/** --json, -q and -v, as every command that reports takes them. */
export function outputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print exactly one JSON document on stdout (also on failure)')
    .option('-q, --quiet', 'print less on stderr (warnings and errors only)')
    .option('-v, --verbose', 'print more on stderr: the prompt sent, debug details, stacks of internal errors');
}
