import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputSchemas } from '../../src/app/request.js';
import type { CliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/main.js';
import { declareOptions } from '../../src/cli/options.js';
import { agentOptionShape, configOptionShape, taskOptionShape } from '../../src/config/option-schemas.js';
import { type AgentCommand, longFlag, OPTIONS, type OptionCommand, type OptionSpec } from '../../src/config/options.js';
import { rcSchema } from '../../src/config/schema.js';
import { taskSchema } from '../../src/batch/tasks.js';

/** The option table is the one place an option is declared: every front end's view of it must agree. */

const table = OPTIONS as Record<string, OptionSpec>;
const CLI_COMMANDS: OptionCommand[] = ['generate', 'apply', 'run', 'batch', 'eval'];
const AGENT_COMMANDS: AgentCommand[] = ['generate', 'apply', 'run'];

const program = buildProgram({} as CliContext, () => {});
const cliOption = (command: string, flag: string): Option | undefined =>
  program.commands.find((c) => c.name() === command)!.options.find((o) => o.long === flag);

type Json = { properties?: Record<string, Json>; minimum?: number; maximum?: number; exclusiveMinimum?: number; type?: string; enum?: string[] };
const jsonOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Json;

/** The range a JSON Schema gives a number, written the way the table writes it. */
function rangeOf(p: Json | undefined) {
  // zod writes the safe-integer bounds of every int out; they are no range of ours.
  const max = p?.maximum === Number.MAX_SAFE_INTEGER ? undefined : p?.maximum;
  return { type: p?.type, min: p?.minimum ?? p?.exclusiveMinimum, above: p?.exclusiveMinimum !== undefined, max };
}
function tableRange(o: OptionSpec) {
  if (o.type !== 'int' && o.type !== 'number') return null;
  return { type: o.type === 'int' ? 'integer' : 'number', min: o.min, above: o.type === 'number' && Boolean(o.above), max: o.max };
}

/** What commander's parser makes of a value: the number, or the usage message. */
function parseWith(option: Option, raw: string): number | string {
  try {
    return option.parseArg!(raw, undefined as unknown) as number;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('the option table', () => {
  for (const [name, spec] of Object.entries(table)) {
    it(`${name}: in the help of exactly the commands that take it, and in the agent, task and rc schemas it names`, () => {
      const flag = longFlag(spec.flag);
      for (const command of CLI_COMMANDS) {
        // batch and eval declare their own --out (the root of every task's folder), eval its own -m (targets).
        if ((command === 'batch' || command === 'eval') && (name === 'out' || (command === 'eval' && name === 'model'))) continue;
        const help = program.commands.find((c) => c.name() === command)!.helpInformation();
        if (spec.commands.includes(command)) expect(help, `${command} --help`).toContain(flag);
        else expect(cliOption(command, flag), `${command} ${flag}`).toBeUndefined();
      }
      for (const command of AGENT_COMMANDS) {
        const properties = jsonOf(inputSchemas[command]).properties ?? {};
        expect(name in properties, `${command} input has ${name}`).toBe((spec.agent ?? []).includes(command));
      }
      expect(name in taskSchema.shape, `task line has ${name}`).toBe(spec.task === true);
      // (the rc file's own "history" section is another thing than --no-history)
      expect(name in configOptionShape(), `rc file has ${name}`).toBe(spec.config === name);
      if (spec.config === name) expect(rcSchema.shape).toHaveProperty(name);
    });

    const range = tableRange(spec);
    if (!range || (spec.type !== 'int' && spec.type !== 'number')) continue;
    it(`${name}: the same range on the command line, in the MCP/HTTP input, the task line and the rc file`, () => {
      for (const command of spec.commands) {
        const option = cliOption(command, longFlag(spec.flag))!;
        const low = spec.type === 'int' ? spec.min - 1 : spec.min - 0.5;
        expect(parseWith(option, String(low))).toMatch(new RegExp(`^${longFlag(spec.flag)} must be `));
        if (!range.above) expect(parseWith(option, String(spec.min))).toBe(spec.min);
        else expect(parseWith(option, String(spec.min + 0.5))).toBe(spec.min + 0.5);
        if (spec.max !== undefined) {
          expect(parseWith(option, String(spec.max))).toBe(spec.max);
          expect(parseWith(option, String(spec.max + 0.5))).toMatch(/must be/);
        }
        if (spec.type === 'int') expect(parseWith(option, String(spec.min + 1.5))).toMatch(/must be/);
      }
      for (const command of spec.agent ?? []) expect(rangeOf(jsonOf(inputSchemas[command]).properties?.[name])).toEqual(range);
      if (spec.task) expect(rangeOf(jsonOf(taskSchema).properties?.[name])).toEqual(range);
      if (spec.config === name) expect(rangeOf(jsonOf(rcSchema).properties?.[name])).toEqual(range);
    });
  }

  it('adding an option is one table entry: the flag, its range, the agent input, the task line and the rc key follow', () => {
    const withSeed: Record<string, OptionSpec> = {
      ...table,
      seed: { type: 'int', min: 1, max: 9, mustBe: 'a whole number from 1 to 9', flag: '--seed <n>', help: 'sampling seed', config: 'seed', commands: ['generate'], agent: ['generate'], task: true },
    };
    const cmd = declareOptions(new Command('generate'), 'generate', withSeed);
    const seed = cmd.options.find((o) => o.long === '--seed')!;
    expect(cmd.helpInformation()).toMatch(/--seed <n>\s+sampling seed/);
    expect(parseWith(seed, '10')).toBe('--seed must be a whole number from 1 to 9, got "10"');
    expect(parseWith(seed, '3')).toBe(3);
    const agent = z.strictObject(agentOptionShape('generate', withSeed));
    expect(rangeOf(jsonOf(agent).properties?.seed)).toEqual({ type: 'integer', min: 1, above: false, max: 9 });
    expect(jsonOf(agent).properties?.seed).toMatchObject({ description: 'sampling seed' });
    expect(z.strictObject(taskOptionShape(withSeed)).safeParse({ seed: 10 }).success).toBe(false);
    expect(z.strictObject(configOptionShape(withSeed)).safeParse({ seed: 9 }).success).toBe(true);
    expect(z.strictObject(agentOptionShape('run', withSeed)).safeParse({ seed: 3 }).success).toBe(false);
  });
});
