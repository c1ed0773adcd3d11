/**
 * The seams between ptc's parts. Each part (providers, reply parsing, workspace, sandboxes, reporting) depends
 * on these types, not on each other.
 */

export const PROVIDER_IDS = ['kimi', 'anthropic', 'openrouter', 'openai', 'openai-compatible'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];


/** `--reasoning`: how much a thinking model may think; each provider maps it to its own control. */
export const REASONING_LEVELS = ['off', 'low', 'medium', 'high'] as const;
export type ReasoningLevel = (typeof REASONING_LEVELS)[number];

export const SANDBOX_KINDS = ['local', 'daytona'] as const;
export type SandboxKind = (typeof SANDBOX_KINDS)[number];
/** Which installed pytest plugins a test run loads: those the code uses (default), or all of them. */
export const PYTEST_PLUGIN_POLICIES = ['used', 'all'] as const;
export type PytestPluginPolicy = (typeof PYTEST_PLUGIN_POLICIES)[number];

/**
 * Token counts, normalised the moment they leave a provider adapter.
 * `inputTokens` are the prompt tokens billed at the full input price: cache reads and cache writes are
 * counted apart (OpenAI-style `prompt_tokens` include cached tokens; the adapters subtract them).
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /**
   * Of `outputTokens`, those the model spent thinking (already priced as output). Left out when the provider
   * does not say and ptc saw no thinking.
   */
  reasoningTokens?: number;
}

export const ZERO_USAGE: Usage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
});

export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
  if (a.reasoningTokens !== undefined || b.reasoningTokens !== undefined) {
    sum.reasoningTokens = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  }
  return sum;
}

export interface Cost {
  usd: number | null;
  source: 'provider' | 'catalog' | 'unknown';
}

/** Where to say things that are not the result: progress, warnings, debug. Always stderr in the CLI. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** A transient status line (spinner text on a TTY; nothing otherwise). */
  progress(message: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
  progress() {},
};

// ---------- providers ----------

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Mark the end of a prefix that is repeated across calls, for providers with prompt caching. */
  cache?: boolean;
}

export interface RetryInfo {
  attempt: number;
  waitMs: number;
  reason: string;
  /** The HTTP status that was retried (429, 529, 503 …), null when there was no answer. */
  status: number | null;
}

/**
 * What to ask of a thinking model: `level` null sends nothing (the model's own default); `budgetTokens` is the
 * thinking allowance inside `maxTokens`, for wires that take a number (Anthropic).
 */
export interface ThinkingRequest {
  level: ReasoningLevel | null;
  budgetTokens: number | null;
}

export interface GenerateOptions {
  /** The whole output cap: thinking and answer together. */
  maxTokens?: number;
  temperature?: number;
  thinking?: ThinkingRequest;
  signal?: AbortSignal;
  /** Stream (default true). Adapters fall back to a single response where streaming is unsupported. */
  stream?: boolean;
  /**
   * Called with each piece of text as it streams in, and the output tokens so far (estimated when the provider
   * does not say). Thinking is counted but never passed as text: `thinking` is true for those calls.
   */
  onDelta?: (text: string, outputTokensSoFar: number, thinking?: boolean) => void;
  onRetry?: (info: RetryInfo) => void;
}

export type StopReason = 'stop' | 'length' | 'other';

export interface ProviderReply {
  text: string;
  usage: Usage;
  /** Cost the provider itself reported (OpenRouter's usage.cost); null when it reports none. */
  costUsd: number | null;
  stopReason: StopReason;
  /** The model that answered, as the provider names it. */
  model: string;
  durationMs: number;
}

export interface Provider {
  readonly id: ProviderId;
  readonly model: string;
  readonly baseURL: string;
  generate(messages: ChatMessage[], opts?: GenerateOptions): Promise<ProviderReply>;
}

// ---------- reply → files ----------

export type FileKind = 'code' | 'test' | 'other';

export interface GeneratedFile {
  /** Relative POSIX path as the model gave it (validated later by the workspace). */
  path: string;
  content: string;
  kind: FileKind;
}

export interface ParsedReply {
  files: GeneratedFile[];
  /** Third-party packages named by the reply (a requirements block, `pip install`/`npm install` lines). */
  dependencies: string[];
  /** Paths the model asked to delete (used by repair rounds). */
  deleted: string[];
  warnings: string[];
}

// ---------- sandboxes ----------

export interface SandboxFile {
  path: string;
  content: string | Buffer;
}

export interface ExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Extra environment for this command only (never the user's secrets). */
  env?: Record<string, string>;
  /** Working directory relative to the sandbox's root. */
  cwd?: string;
  /**
   * Ask for a results channel the code cannot rewrite: where the sandbox has one (the local sandbox's inherited
   * pipe), the command gets its fd in PTC_RESULTS_FD and what arrives on it comes back as `results`.
   */
  resultsChannel?: boolean;
}

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** True when output was cut at the cap (a marker is left where it was cut). */
  truncated: boolean;
  durationMs: number;
  /** Resource limits of the sandbox the command ran into ("memory limit 2 GiB reached ..."), when known. */
  limitsHit?: string[];
  /** What arrived on the results channel, when one was asked for and the sandbox has one. */
  results?: string;
}

/** An interpreter a sandbox chose on the host, how, and what else it looked at. */
export interface ChosenInterpreter {
  executable: string;
  chosenBy: string;
  tried: string[];
}

export interface Sandbox {
  readonly kind: SandboxKind;
  /** Where the files live inside the sandbox (for messages). */
  readonly root: string;
  /** The python tests run with, where the sandbox chose one on the host (local): for messages. */
  readonly python?: ChosenInterpreter | null;
  /** Put files in (replacing any of the same path); remove `remove`. */
  prepare(files: SandboxFile[], remove?: string[]): Promise<void>;
  exec(command: string, opts: ExecOptions): Promise<ExecResult>;
  readFile(path: string): Promise<Buffer | null>;
  /** Idempotent. Always called in a finally. */
  dispose(): Promise<void>;
}

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';

/** Who wrote a test: the model (`generated`), or the user (`acceptance`: shown to the model; `hidden`: never). */
export const TEST_ORIGINS = ['generated', 'acceptance', 'hidden'] as const;
export type TestOrigin = (typeof TEST_ORIGINS)[number];

export interface TestCase {
  name: string;
  file: string | null;
  status: TestStatus;
  durationMs: number;
  message: string | null;
  /** Set by the runner from the case's file; absent means `generated`. */
  origin?: TestOrigin;
}

export interface InstallReport {
  packages: string[];
  ok: boolean;
  /** Tail of the installer's output when it failed. */
  output: string | null;
}

export interface TestReport {
  ran: boolean;
  sandbox: SandboxKind | null;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  durationMs: number;
  cases: TestCase[];
  /** Extra facts for people and repair prompts; not part of the fixed contract. */
  runner?: string;
  install?: InstallReport | null;
  /** Bounded tail of the runner's output (for repair prompts and --verbose). */
  output?: string;
  /** Why the run counts as failed although no case failed (zero tests collected, runner crashed). */
  problem?: string | null;
  /** The results disagree with the runner (a forgery, or a run cut short): `problem` says how. Exit 1. */
  untrusted?: boolean;
  /**
   * What went wrong with the hidden tests' own run (kept apart from `problem`, which repair prompts quote: the
   * model learns only that hidden tests failed).
   */
  hiddenProblem?: string | null;
}
