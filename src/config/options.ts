import { LANGS } from '../languages/registry.js';
import { PROVIDER_IDS, REASONING_LEVELS, SANDBOX_KINDS } from '../types.js';
import { MAX_TIMEOUT_SECONDS, TIMEOUT_RANGE } from '../util/timer-range.js';

/**
 * The one table of the pipeline's options. The commander flags (cli/options.ts), the rc schema
 * (config/schema.ts), the batch task line (batch/tasks.ts), the MCP and HTTP inputs (app/request.ts) and the
 * `ConfigFlags` type are all derived from it, so an option is added, renamed or re-ranged here and nowhere else.
 *
 * Plain data on purpose: `ptc --help` reads it without loading zod (config/option-schemas.ts builds the schemas).
 */

/** The front ends an option can appear in. `agent` is the MCP tools and the HTTP bodies; `task` a batch line. */
export type OptionCommand = 'generate' | 'apply' | 'run' | 'batch' | 'eval';
export type AgentCommand = 'generate' | 'apply' | 'run';

export type OptionType =
  | { type: 'enum'; values: readonly string[] }
  | { type: 'int'; min: number; max?: number }
  | { type: 'number'; min: number; above?: boolean; max?: number }
  | { type: 'boolean' }
  | { type: 'string' }
  | { type: 'url' }
  /** Files or folders: a variadic flag (`--tests <path...>`), an array of paths everywhere else. */
  | { type: 'paths' };

export type OptionSpec = OptionType & {
  /** commander's flag, e.g. `-m, --model <id>`; a boolean that is on by default is declared as `--no-x`. */
  flag: string;
  help: string;
  /** What MCP tools and HTTP bodies describe, where it differs from the CLI's help (paths are the server root's). */
  agentHelp?: string;
  /** The help where a command says it differently (run: lang is detected; batch: per task; eval: batch's unless its own). */
  helpIn?: Partial<Record<OptionCommand, string>>;
  /** For numbers: what the value must be, as the usage error says it ("a whole number ≥ 0"). */
  mustBe?: string;
  /** For numbers: the schemas' message for a value above `max`, where the plain "too big" would not say why. */
  tooBig?: string;
  /** The `--no-x` flag that turns a boolean off again (over a `true` in the rc file), with its help. */
  negation?: { flag: string; help: string };
  /** The rc file's key path for the option (top-level keys share the option's name), when it has one. */
  config?: string;
  /** The environment variable that sets it, between the flag and the rc files. */
  env?: string;
  /** The default the resolved settings fall back to (documentation for options resolved elsewhere). */
  default?: string | number | boolean | null;
  /** CLI commands that take the flag. */
  commands: readonly OptionCommand[];
  /** MCP tools and HTTP routes that take it, in camelCase. */
  agent?: readonly AgentCommand[];
  /** Whether a batch task line may set it. */
  task?: true;
};

export const OPTIONS = {
  provider: {
    type: 'enum',
    values: PROVIDER_IDS,
    flag: '-p, --provider <id>',
    help: 'kimi | anthropic | openrouter | openai | openai-compatible',
    config: 'provider',
    env: 'PTC_PROVIDER',
    default: 'kimi',
    commands: ['generate', 'batch'],
    agent: ['generate'],
    task: true,
  },
  model: {
    type: 'string',
    flag: '-m, --model <id>',
    help: "model id (default: the provider's default from `ptc models`)",
    agentHelp: "model id (default: the provider's default from list_models)",
    config: 'model',
    env: 'PTC_MODEL',
    default: null,
    commands: ['generate', 'batch'],
    agent: ['generate'],
    task: true,
  },
  baseUrl: {
    type: 'url',
    flag: '--base-url <url>',
    help: 'endpoint override: a proxy, gateway or local server such as Ollama',
    helpIn: { eval: 'endpoint override for every target (a proxy, gateway or local server)' },
    config: 'providers.<id>.baseURL',
    commands: ['generate', 'batch', 'eval'],
    agent: ['generate'],
    task: true,
  },
  maxTokens: {
    type: 'int',
    min: 1,
    mustBe: 'a whole number ≥ 1',
    flag: '--max-tokens <n>',
    help: "limit on the answer's length in tokens (a thinking model gets room to think on top, within its maximum output)",
    helpIn: { batch: "limit on each answer's length in tokens (thinking gets room on top)" },
    config: 'maxTokens',
    default: null,
    commands: ['generate', 'batch', 'eval'],
    agent: ['generate'],
    task: true,
  },
  temperature: {
    type: 'number',
    min: 0,
    max: 2,
    mustBe: 'a number from 0 to 2',
    flag: '--temperature <t>',
    help: 'sampling temperature, where the model supports it',
    config: 'temperature',
    default: null,
    commands: ['generate', 'batch', 'eval'],
    agent: ['generate'],
    task: true,
  },
  reasoning: {
    type: 'enum',
    values: REASONING_LEVELS,
    flag: '--reasoning <level>',
    help: "thinking effort: off | low | medium | high (default: the model's own)",
    agentHelp: "thinking effort: off | low | medium | high (default: the model's own)",
    config: 'reasoning',
    default: null,
    commands: ['generate', 'batch', 'eval'],
    agent: ['generate'],
    task: true,
  },
  fix: {
    type: 'int',
    min: 0,
    mustBe: 'a whole number ≥ 0',
    flag: '--fix <n>',
    help: 'repair rounds: feed failing tests back to the model up to n times (needs --run)',
    agentHelp: 'repair rounds when tests fail (needs run: true)',
    helpIn: { eval: 'repair rounds per task when its own tests fail', batch: 'repair rounds per task (needs --run)' },
    config: 'fix',
    default: 0,
    commands: ['generate', 'batch', 'eval'],
    agent: ['generate'],
    task: true,
  },
  maxCost: {
    type: 'number',
    min: 0,
    mustBe: 'a number ≥ 0',
    flag: '--max-cost <usd>',
    help: 'stop before a call that could take the spend past this many dollars',
    agentHelp: 'stop before a call that could take the spend past this many USD',
    helpIn: { eval: 'budget for the whole eval, every target: no task starts once it is spent', batch: 'budget for the whole batch: no task starts once it is spent' },
    config: 'maxCost',
    default: null,
    commands: ['generate', 'batch', 'eval'],
    agent: ['generate'],
    task: true,
  },
  protectTests: {
    type: 'boolean',
    flag: '--protect-tests',
    help: 'in repair rounds, never let the model change the test files',
    config: 'protectTests',
    default: false,
    commands: ['generate', 'batch'],
    agent: ['generate'],
    task: true,
  },
  candidates: {
    type: 'int',
    min: 1,
    max: 8,
    mustBe: 'a whole number from 1 to 8',
    tooBig: 'at most 8 candidates: each one is a model call and a sandbox',
    flag: '--candidates <k>',
    help: 'ask for k replies at once and test them all at once; the first to pass wins, else the best is repaired (needs --run)',
    agentHelp: 'k replies requested and tested in parallel; the first that passes wins, else the best goes on to repair (needs run: true)',
    helpIn: { eval: 'k replies per task, tested in parallel; the first to pass wins', batch: 'k replies per task, tested in parallel; the first to pass wins (needs --run)' },
    config: 'candidates',
    default: 1,
    commands: ['generate', 'batch', 'eval'],
    agent: ['generate'],
    task: true,
  },
  promptFile: {
    type: 'string',
    flag: '--prompt-file <path>',
    help: 'read the prompt from a file',
    commands: ['generate'],
  },
  history: {
    type: 'boolean',
    flag: '--no-history',
    help: "do not record this run's model calls in the spend history (ptc usage)",
    helpIn: { batch: 'do not record the calls in the spend history' },
    default: true,
    commands: ['generate', 'batch', 'eval'],
  },
  lang: {
    type: 'enum',
    values: LANGS,
    flag: '-l, --lang <lang>',
    help: 'python (default) | typescript | javascript',
    helpIn: { run: 'python | typescript | javascript (default: detected from the files)' },
    config: 'lang',
    default: LANGS[0],
    commands: ['generate', 'apply', 'run', 'batch'],
    agent: ['generate', 'apply', 'run'],
    task: true,
  },
  out: {
    type: 'string',
    flag: '-o, --out <dir>',
    help: 'where files go (default: a new folder named from the prompt)',
    agentHelp: 'output directory, relative to the server root (default: a new folder named from the prompt)',
    config: 'out',
    default: null,
    // batch's --out is the root of all its tasks' folders: it declares that one itself.
    commands: ['generate', 'apply'],
    agent: ['generate', 'apply'],
    task: true,
  },
  force: {
    type: 'boolean',
    flag: '--force',
    help: 'allow overwriting files that already exist',
    commands: ['generate', 'apply', 'batch'],
    agent: ['generate', 'apply'],
    task: true,
  },
  dryRun: {
    type: 'boolean',
    flag: '--dry-run',
    help: 'call the model (a paid call), then show what would be written: new files in full, others as a diff; write nothing, run nothing',
    helpIn: { apply: 'show what would be written: new files in full, others as a diff; write nothing, run nothing' },
    agentHelp: 'generate: call the model (paid), then report what would be written; write nothing, run nothing',
    commands: ['generate', 'apply'],
    agent: ['generate', 'apply'],
  },
  run: {
    type: 'boolean',
    flag: '--run',
    help: 'run the tests after writing',
    helpIn: { batch: "run each task's tests after writing" },
    negation: { flag: '--no-run', help: 'do not run the tests (overrides "run": true in an rc file)' },
    config: 'run',
    default: false,
    commands: ['generate', 'apply', 'batch'],
    agent: ['generate', 'apply'],
    task: true,
  },
  sandbox: {
    type: 'enum',
    values: SANDBOX_KINDS,
    flag: '--sandbox <kind>',
    help: 'local (bubblewrap) | daytona',
    config: 'sandbox',
    env: 'PTC_SANDBOX',
    default: 'local',
    commands: ['generate', 'apply', 'run', 'batch', 'eval'],
    agent: ['generate', 'apply', 'run'],
    task: true,
  },
  isolation: {
    type: 'boolean',
    flag: '--no-isolation',
    help: 'local sandbox without bubblewrap: run generated code directly on this machine (unsafe)',
    helpIn: { batch: 'local sandbox without bubblewrap (unsafe)' },
    config: 'local.isolation',
    default: true,
    commands: ['generate', 'apply', 'run', 'batch', 'eval'],
  },
  keep: {
    type: 'boolean',
    flag: '--keep',
    help: "keep the local sandbox's temporary copy and print where it is",
    commands: ['generate', 'apply', 'run'],
  },
  tests: {
    type: 'paths',
    flag: '--tests <path...>',
    help: "your acceptance tests (files or folders): shown to the model as the spec, protected from its writes, and they must pass",
    agentHelp: 'acceptance tests (files or folders, relative to the server root): shown to the model, protected, must pass',
    helpIn: { run: 'acceptance tests (files or folders) to run with the folder\'s own; they must pass' },
    config: 'tests',
    default: null,
    commands: ['generate', 'apply', 'run', 'batch'],
    agent: ['generate', 'apply', 'run'],
    task: true,
  },
  hiddenTests: {
    type: 'paths',
    flag: '--hidden-tests <path...>',
    help: 'acceptance tests the model never sees (in no request); they must pass',
    agentHelp: 'acceptance tests the model never sees (files or folders, relative to the server root); they must pass',
    config: 'hiddenTests',
    default: null,
    commands: ['generate', 'apply', 'run', 'batch'],
    agent: ['generate', 'apply', 'run'],
    task: true,
  },
  context: {
    type: 'paths',
    flag: '--context <path...>',
    help: 'files of your project the model sees (read-only) and the code may import',
    agentHelp: 'project files (or folders, relative to the server root) the model sees read-only and the code may import',
    helpIn: { run: 'project files (or folders) the tests may import, copied in beside the folder\'s own' },
    config: 'context',
    default: null,
    commands: ['generate', 'apply', 'run', 'batch'],
    agent: ['generate', 'apply', 'run'],
    task: true,
  },
  timeout: {
    type: 'number',
    min: 0,
    above: true,
    max: MAX_TIMEOUT_SECONDS,
    mustBe: TIMEOUT_RANGE,
    tooBig: TIMEOUT_RANGE,
    flag: '--timeout <seconds>',
    help: 'bound on the whole command',
    agentHelp: 'bound on the whole request, in seconds',
    helpIn: { batch: 'bound on each task' },
    config: 'timeout',
    default: null,
    commands: ['generate', 'apply', 'run', 'batch', 'eval'],
    agent: ['generate', 'apply', 'run'],
    task: true,
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
type Spec<K extends OptionName> = (typeof OPTIONS)[K];

/** The value type an option's spec describes. */
type ValueOf<S> = S extends { type: 'enum'; values: readonly (infer V)[] }
  ? V
  : S extends { type: 'int' | 'number' }
    ? number
    : S extends { type: 'boolean' }
      ? boolean
      : S extends { type: 'paths' }
        ? string[]
        : string;

/** A value as a flag gives it: a choice is still a string until the config resolver checks it (and suggests). */
type FlagValueOf<S> = S extends { type: 'enum' } ? string : ValueOf<S>;

/** The options a CLI command takes, typed from the table: what its run function receives. */
export type OptionValues<C extends OptionCommand> = {
  [K in OptionName as C extends Spec<K>['commands'][number] ? K : never]?: ValueOf<Spec<K>>;
};

/** What commander hands a command's run function for the table's options (a choice is a string until resolved). */
export type FlagValues<C extends OptionCommand> = {
  [K in OptionName as C extends Spec<K>['commands'][number] ? K : never]?: FlagValueOf<Spec<K>>;
};

/** The options an MCP tool / HTTP route takes. */
export type AgentOptionValues<C extends AgentCommand> = {
  [K in OptionName as Spec<K> extends { agent: readonly (infer A)[] } ? (C extends A ? K : never) : never]?: ValueOf<Spec<K>>;
};

/** The options a batch task line may set (besides its id and prompt). */
export type TaskOptionValues = {
  [K in OptionName as Spec<K> extends { task: true } ? K : never]?: ValueOf<Spec<K>>;
};

/** The options an rc file may set at its top level (its key is the option's own name). */
export type ConfigOptionValues = {
  [K in OptionName as Spec<K> extends { config: K } ? K : never]?: ValueOf<Spec<K>>;
};

/** The options the config resolver reads (every one with an rc key): flags win over env, rc files, defaults. */
export type ConfigFlags = {
  [K in OptionName as Spec<K> extends { config: string } ? K : never]?: FlagValueOf<Spec<K>>;
};

/** An option the resolver settles (it has a top-level rc key): flags over its env variable over rc files over default. */
export type SettingName = keyof ConfigOptionValues;

/** A setting's resolved value: `null` where the option has no default, `[]` for paths. */
export type SettingValue<K extends SettingName> = Spec<K> extends { type: 'paths' }
  ? string[]
  : Spec<K> extends { default: null }
    ? ValueOf<Spec<K>> | null
    : ValueOf<Spec<K>>;

/** Every option of the table, whichever front end gave it (flags, tool arguments, a task line). */
export type AnyOptionValues = { [K in OptionName]?: FlagValueOf<Spec<K>> };

/** The long flag of a commander flag string: `-m, --model <id>` → `--model`. */
export const longFlag = (flag: string) => /--[a-z-]+/.exec(flag)![0];

/** The options the config resolver reads, picked out of everything a front end gave. */
export function configFlagsOf(given: AnyOptionValues): ConfigFlags {
  const picked: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    if (spec.config !== undefined && given[name] !== undefined) picked[name] = given[name];
  }
  return picked as ConfigFlags;
}

/** The names of the options a CLI command takes, an agent route takes, a task line takes, or the rc file's top level has. */
export function optionNames(where: { command: OptionCommand } | { agent: AgentCommand } | { task: true } | { config: true }, table: Record<string, OptionSpec> = OPTIONS): string[] {
  return Object.entries(table)
    .filter(([name, o]) =>
      'command' in where ? o.commands.includes(where.command)
      : 'agent' in where ? (o.agent ?? []).includes(where.agent)
      : 'task' in where ? o.task === true
      : o.config === name,
    )
    .map(([name]) => name);
}
