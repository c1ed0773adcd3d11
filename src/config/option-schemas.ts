import { z } from 'zod';
import {
  type AgentCommand,
  type AgentOptionValues,
  type ConfigOptionValues,
  OPTIONS,
  type OptionSpec,
  optionNames,
  type TaskOptionValues,
} from './options.js';

/** The zod schemas of the option table: one per option, for the rc file, the task lines and the agent inputs. */

/** An option's value schema, with the range its table entry gives. */
export function zodOf(o: OptionSpec): z.ZodType {
  switch (o.type) {
    case 'enum':
      return z.enum(o.values as unknown as [string, ...string[]]);
    case 'int': {
      const s = z.number().int().min(o.min);
      return o.max === undefined ? s : s.max(o.max);
    }
    case 'number': {
      const s = o.above ? z.number().gt(o.min) : z.number().min(o.min);
      return o.max === undefined ? s : s.max(o.max, o.tooBig);
    }
    case 'boolean':
      return z.boolean();
    case 'string':
      return z.string().min(1);
    case 'url':
      return z.url();
    case 'paths':
      return z.array(z.string().min(1));
  }
}

type ShapeOf<V> = { [K in keyof V]-?: z.ZodOptional<z.ZodType<Exclude<V[K], undefined>>> };

/** The named options as an object shape of optional fields; `describe` adds each option's help. */
export function optionShape(
  names: string[],
  o: { describe?: AgentCommand; table?: Record<string, OptionSpec> } = {},
): Record<string, z.ZodOptional<z.ZodType>> {
  const table: Record<string, OptionSpec> = o.table ?? OPTIONS;
  return Object.fromEntries(
    names.map((name) => {
      const spec = table[name]!;
      const schema = zodOf(spec);
      const help = o.describe ? (spec.helpIn?.[o.describe] ?? spec.agentHelp ?? spec.help) : null;
      return [name, (help ? schema.describe(help) : schema).optional()];
    }),
  );
}

/** The rc file's top-level options. */
export const configOptionShape = (table?: Record<string, OptionSpec>) =>
  optionShape(optionNames({ config: true }, table), { table }) as ShapeOf<ConfigOptionValues>;

/** What a batch task line may set besides its id and prompt. */
export const taskOptionShape = (table?: Record<string, OptionSpec>) => optionShape(optionNames({ task: true }, table), { table }) as ShapeOf<TaskOptionValues>;

/** What an MCP tool / HTTP route takes besides its own fields (prompt, reply, dir), described for agents. */
export const agentOptionShape = <C extends AgentCommand>(command: C, table?: Record<string, OptionSpec>) =>
  optionShape(optionNames({ agent: command }, table), { describe: command, table }) as ShapeOf<AgentOptionValues<C>>;
