import type { CallRecord } from '../history/call-record.js';
import type { ResultDraft } from '../report/build.js';
import type { Lang } from '../languages/registry.js';
import type {
  ChatMessage,
  Cost,
  GeneratedFile,
  Logger,
  Provider,
  PytestPluginPolicy,
  Sandbox,
  SandboxKind,
  TestOrigin,
  TestReport,
  ThinkingRequest,
  Usage,
} from '../types.js';
import type { SourceFile, UserTests } from '../sandbox/run-context.js';

/*
 * What the pipeline takes and gives, apart from the pipeline itself: its steps and the repair loop need these
 * types too, and importing them from pipeline.ts, which calls those steps, made the three files a circle.
 */

/** Prices per 1M tokens, as the catalog gives them. */
export interface PriceLike {
  input: number;
  output: number;
  cacheRead?: number | null;
  cacheWrite?: number | null;
}

export interface PipelineOptions {
  command: 'generate' | 'apply' | 'run';
  cwd: string;
  prompt: string | null;
  replyText: string | null;
  runDir: string | null;
  lang: Lang;
  /** Whether lang was chosen by the user (for `run`, an unchosen lang is detected from the files). */
  langExplicit: boolean;
  outDir: string;
  force: boolean;
  dryRun: boolean;
  run: boolean;
  fix: number;
  /** Replies asked for at once (--candidates); 1 when not given. */
  candidates?: number;
  /** The whole output cap sent with each call (thinking included); null sends none. */
  maxTokens: number | null;
  /** `--max-tokens` as given, for hints (the cap above adds a thinking allowance to it). */
  maxTokensGiven?: number | null;
  temperature: number | null;
  /** What to ask of a thinking model (providers/reasoning.ts); absent: nothing is sent. */
  thinking?: ThinkingRequest;
  maxCost: number | null;
  protectTests: boolean;
  system?: string;
  systemAppend?: string;
  limits: { maxFiles?: number; maxBytes?: number; maxFileBytes?: number };
  testTimeoutMs: number;
  /** Which of the host python's pytest plugins the local sandbox loads (see RunTestsInput). Default `used`. */
  pytestPlugins?: PytestPluginPolicy;
  /** The user's acceptance and hidden tests, in memory (paths relative to outDir). */
  userTests?: UserTests;
  /** The user's project files the model sees and the code may import (read-only unless `force`). */
  contextFiles?: SourceFile[];
  /** Bytes of acceptance tests and context the prompt may carry (default DEFAULT_CONTEXT_BUDGET). */
  contextBudget?: number;
}

export interface PipelineDeps {
  logger: Logger;
  signal: AbortSignal;
  provider: (() => Promise<Provider>) | null;
  price: (provider: Provider) => PriceLike | null;
  computeCost: (usage: Usage, price: PriceLike | null, providerUsd: number | null) => Cost;
  /** `projectDir`: the folder the files come from (its installed node_modules may be shown to the tests). */
  sandbox: {
    kind: SandboxKind;
    create: (lang: Lang, o?: { projectDir?: string }) => Promise<Sandbox>;
    /**
     * Set when sandboxes come from a pool (batch, serve, mcp): have one ready for a run that will ask for it
     * soon; the returned function withdraws the request (the run ended first, or took its sandbox).
     */
    warm?: (lang: Lang) => () => void;
  };
  /** Installs the test runner in a fresh sandbox ahead of the tests (Daytona's image has no pytest). Best effort. */
  warmRunner?: (sandbox: Sandbox, lang: Lang, timeoutMs: number) => Promise<void>;
  runTests: (sandbox: Sandbox, input: { lang: Lang; files: { path: string; kind: GeneratedFile['kind']; content: string; origin?: TestOrigin }[]; dependencies: string[]; timeoutMs: number; signal: AbortSignal; logger: Logger; network: boolean; pytestPlugins?: PytestPluginPolicy; lastRound?: boolean; onPhase?: (p: string) => void }) => Promise<TestReport>;
  reply: {
    buildMessages: (i: { lang: Lang; prompt: string; system?: string; systemAppend?: string; acceptance?: SourceFile[]; context?: SourceFile[] }) => ChatMessage[];
    parseReply: (text: string, o: { lang: Lang }) => import('../types.js').ParsedReply;
    classifyFile: (path: string, content: string) => GeneratedFile['kind'];
  };
  workspace: {
    planWrite: (
      outDir: string,
      files: GeneratedFile[],
      o: { force: boolean; maxFiles?: number; maxBytes?: number; maxFileBytes?: number; owned?: Set<string>; protect?: (path: string, content: string) => string | null },
    ) => Promise<PlanLike>;
    commitWrite: (plan: PlanLike, o?: { remove?: string[] }) => Promise<unknown>;
    writeManifest: (outDir: string, m: Record<string, unknown>) => Promise<unknown>;
    renderPlan: (plan: PlanLike) => string;
  };
  /** Phase changes for the progress line. */
  onPhase?: (text: string) => void;
  /** Streaming text from the model, for a live token counter. */
  /** Streaming text, the output tokens so far, and the spend so far including this call's estimate (null: no price). */
  onDelta?: (text: string, outputTokens: number, spentUsd: number | null, thinking?: boolean) => void;
  onRound?: (round: ResultDraft['rounds'][number], draft: ResultDraft) => void;
  registerCleanup: (fn: () => Promise<void>) => () => void;
  /** Called once after every model call, whatever its outcome (the spend history). */
  onCall?: (record: CallRecord) => void;
  /**
   * True the first time a notice with this key is given on this machine (remembered across runs), for notices
   * that would otherwise repeat on every run; without it every run is the first.
   */
  firstNotice?: (key: string) => boolean;
  /** A limit on model calls shared with other runs (ptc batch); told about the waits a server asks for. */
  gate?: { acquire(signal: AbortSignal): Promise<(error?: unknown) => void>; backoff(waitMs: number): void };
  /**
   * A budget shared with other runs (ptc batch's --max-cost): each call reserves its worst case before it is
   * sent and settles at its real cost; null from `reserve` means it cannot fit.
   */
  budget?: {
    readonly limitUsd: number;
    readonly spentUsd: number;
    reserve(worstUsd: number, signal?: AbortSignal): Promise<{ settle(usd: number | null): void } | null>;
  };
  /** Keeps every raw reply the moment it arrives (a paid reply is never lost); returns where it is. */
  saveReply?: (text: string, round: number) => Promise<string | null>;
  /** A limit on sandboxes shared with other runs: a place is held from creation until dispose. */
  sandboxGate?: { acquire(signal: AbortSignal): Promise<() => void> };
}

export interface PlanLike {
  outDir: string;
  files: { path: string; kind: GeneratedFile['kind']; bytes: number; sha256: string; content: string; exists?: boolean }[];
  refused: { path: string; reason: string }[];
  conflicts: string[];
}

/** The text a dry run shows; set by the pipeline so the renderer need not know about plans. */
export interface PipelineExtras {
  planText: string | null;
}
