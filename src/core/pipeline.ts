import { displayPath } from '../workspace/paths.js';
import { ReplyError, TestsFailedError } from '../errors.js';
import type { CallRecord } from '../history/call-record.js';
import { getLanguage } from '../languages/registry.js';
import type { ResultDraft } from '../report/build.js';
import { testsFailed } from '../report/build.js';
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
  TestReport,
  Usage,
} from '../types.js';
import { collectFiles, detectLang, projectDependencies } from './collect.js';
import { type LoopState, repairLoop } from './repair-loop.js';
import { describeFiles, writeManifest } from './manifest-step.js';
import { callModel, markRepeatedPrefix, truncated } from './model-call.js';
import { emitRound, warn } from './run-scope.js';
import { createSandbox, runTests, toRoundTests } from './test-run.js';
import { type EarlySandbox, startSandboxEarly } from './early-sandbox.js';
import { raceCandidates, type Winner } from './candidates.js';
import type { RunScope } from './run-scope.js';
import { hiddenPaths, sandboxContents, sandboxUserFiles, showContextOverwrites, userFilesOf, writeGuard } from './user-tests.js';
import { checkContextBudget, DEFAULT_CONTEXT_BUDGET } from '../prompt/user-files.js';

export { sumCost } from '../cost/sum.js';

import type { PipelineDeps, PipelineExtras, PipelineOptions, PlanLike } from './pipeline-types.js';

export type { PipelineDeps, PipelineExtras, PipelineOptions, PlanLike, PriceLike } from './pipeline-types.js';

/**
 * prompt → provider → parse → safe write → sandbox → (repair rounds) → draft. Pure orchestration: every
 * part comes in through `deps`, so the CLI, the MCP server and the HTTP service share it and tests can fake it.
 * Throws a PtcError on failure; the draft keeps what was done until then.
 */
export async function runPipeline(opts: PipelineOptions, deps: PipelineDeps, draft: ResultDraft): Promise<PipelineExtras> {
  const extras: PipelineExtras = { planText: null };
  draft.outDir = opts.outDir;

  if (opts.command === 'run') {
    await runExisting(opts, deps, draft);
    return extras;
  }

  const tests = opts.command === 'generate' && opts.run && !opts.dryRun;
  let k = opts.command === 'generate' ? (opts.candidates ?? 1) : 1;
  if (k > 1 && !tests) {
    // Without tests there is nothing to choose by: one reply, as asked for without --candidates.
    warn(draft, deps.logger, `--candidates ${k} needs the tests to run (--run): asking for one reply`);
    k = 1;
  }
  // The sandboxes are made while the model answers; deleted if the run ends before they are used.
  const early = tests ? Array.from({ length: k }, () => startSandboxEarly(opts.lang, deps, opts.outDir, opts.testTimeoutMs)) : [];
  try {
    return await generateOrApply(opts, deps, draft, extras, early);
  } finally {
    await Promise.all(early.map((e) => e.discard()));
  }
}

async function generateOrApply(
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
  extras: PipelineExtras,
  sandboxes: EarlySandbox[],
): Promise<PipelineExtras> {
  const early = sandboxes[0] ?? null;
  const { logger } = deps;
  let provider: Provider | null = null;
  let messages: ChatMessage[] = [];
  let replyText: string;
  if (opts.command === 'generate') {
    provider = await deps.provider!();
    draft.provider = provider.id;
    draft.model = provider.model;
    const user = userFilesOf(opts);
    // Checked before anything is paid for; hidden tests are never part of a prompt.
    const budget = checkContextBudget({ acceptance: user.acceptance, context: user.context }, opts.contextBudget ?? DEFAULT_CONTEXT_BUDGET);
    if (budget) logger.info(budget);
    messages = deps.reply.buildMessages({
      lang: opts.lang,
      prompt: opts.prompt!,
      system: opts.system,
      systemAppend: opts.systemAppend,
      acceptance: user.acceptance,
      context: user.context,
    });
    // With repair rounds ahead, the original request is part of the prefix every later call repeats.
    if (opts.run && opts.fix > 0 && !opts.dryRun) messages = markRepeatedPrefix(messages);
    logger.debug(`prompt sent to ${provider.id}/${provider.model}:\n${messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n')}`);
    if (sandboxes.length > 1) {
      await withCandidates(raceCandidatesOf(provider, messages, opts, deps, draft, sandboxes), provider, messages, opts, deps, draft);
      return extras;
    }
    // Round 0 never returns null: a budget that cannot cover it throws.
    const reply = (await callModel({ provider, messages, opts, deps, draft, round: 0 }))!;
    if (reply.stopReason === 'length') throw truncated(reply, opts);
    replyText = reply.text;
  } else {
    replyText = opts.replyText!;
  }

  const parsed = deps.reply.parseReply(replyText, { lang: opts.lang });
  for (const w of parsed.warnings) warn(draft, logger, w);
  if (parsed.files.length === 0) {
    // A saved reply is a file the user named; if it was the wrong file (a .env, say) its content must not be
    // repeated in an error, so only a model's fresh reply is quoted.
    const start = opts.command === 'generate' ? `; it starts: ${JSON.stringify(replyText.trim().slice(0, 160))}` : ` (${replyText.length} characters, no fenced code block)`;
    throw new ReplyError(`no code found in the reply${start}`, {
      code: 'reply_no_code',
      hint:
        opts.command === 'apply'
          ? 'the file should hold fenced code blocks (```python path=x.py ...```)'
          : 'try again, or rephrase the prompt; --verbose shows the prompt that was sent',
    });
  }

  const plan = await deps.workspace.planWrite(opts.outDir, parsed.files, { force: opts.force, protect: writeGuard(opts), ...opts.limits });
  // Shown escaped: a warning about a disguised name must not disguise it in the terminal.
  for (const r of plan.refused) warn(draft, logger, `refused ${JSON.stringify(displayPath(r.path))}: ${r.reason}`);
  draft.refused = plan.refused;
  // `files` is what was written (or, in a dry run, what would be): set only once that is true.
  const planned = plan.files.map(({ path, kind, bytes, sha256 }) => ({ path, kind, bytes, sha256 }));
  if (opts.dryRun) {
    draft.files = planned;
    draft.dryRun = true;
    extras.planText = deps.workspace.renderPlan(plan);
    if (parsed.dependencies.length > 0) extras.planText += `\ndependencies: ${parsed.dependencies.join(' ')}`;
    emitRound(deps, draft);
    return extras;
  }
  await deps.workspace.commitWrite(plan);
  draft.files = planned;
  showContextOverwrites({ opts, deps, draft }, plan);
  // The working set: every file ptc wrote this run, as it is now; repair rounds change it.
  const working = new Map<string, GeneratedFile>();
  for (const f of plan.files) working.set(f.path, { path: f.path, content: f.content, kind: f.kind });
  await writeManifest({ opts, deps, draft });

  if (!opts.run) {
    emitRound(deps, draft);
    return extras;
  }

  // A saved reply says its language by its files: `ptc apply` of a TypeScript answer needs no --lang.
  const lang = opts.command === 'apply' && !opts.langExplicit ? (detectLang([...working.keys()]) ?? opts.lang) : opts.lang;
  const sandbox = early && lang === opts.lang ? await early.take() : await createSandbox(lang, deps, opts.outDir);
  try {
    deps.onPhase?.('uploading files');
    // What ptc just wrote goes up from memory; only the folder's other files (a project written into) are read.
    const inMemory = new Map([...working.values()].map((f) => [f.path, f.content]));
    await sandbox.prepare(sandboxContents(await collectFiles(opts.outDir, { inMemory }), working, opts));
    if (draft.rounds.length === 0) draft.rounds.push({ round: 0, usage: null, cost: null, tests: null });
    // Repair follows a failing run only with a model to ask and rounds to spend (repairIfFailing).
    const lastRound = !provider || opts.fix <= 0;
    draft.tests = await runTests({ sandbox, lang, files: [...working.values()], dependencies: parsed.dependencies, lastRound, opts, deps, draft });
    draft.rounds[draft.rounds.length - 1]!.tests = toRoundTests(draft.tests);
    emitRound(deps, draft);
    await repairIfFailing({ provider, messages, replyText, working, dependencies: parsed.dependencies, refused: plan.refused, sandbox, opts, deps, draft });
  } finally {
    deps.onPhase?.('cleaning up');
    await sandbox.dispose();
  }
  return extras;
}

interface AfterTests extends RunScope {
  provider: Provider | null;
  messages: ChatMessage[];
  replyText: string;
  working: Map<string, GeneratedFile>;
  dependencies: string[];
  refused: PlanLike['refused'];
  sandbox: Sandbox;
}

/** --fix: failing tests go back to the model, in the sandbox they ran in. */
async function repairIfFailing(a: AfterTests): Promise<void> {
  const { provider, opts, deps, draft } = a;
  if (!testsFailed(draft.tests) || opts.fix <= 0) return;
  if (!provider) {
    warn(draft, deps.logger, '--fix needs a model: it applies to `ptc generate`, not to a saved reply');
    return;
  }
  const conversation = [...a.messages, { role: 'assistant' as const, content: a.replyText }];
  const state: LoopState = { working: a.working, dependencies: a.dependencies, refused: a.refused, ignoredTestChanges: [] };
  await repairLoop({ provider, conversation, state, sandbox: a.sandbox, opts, deps, draft });
}

function raceCandidatesOf(provider: Provider, messages: ChatMessage[], opts: PipelineOptions, deps: PipelineDeps, draft: ResultDraft, sandboxes: EarlySandbox[]) {
  return raceCandidates({ provider, messages, opts, deps, draft, sandboxes });
}

/** The chosen candidate's files are written now (it was tested from memory); repair goes on from it. */
async function withCandidates(
  racing: Promise<Winner>,
  provider: Provider,
  messages: ChatMessage[],
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
): Promise<void> {
  const won = await racing;
  try {
    for (const w of won.parsed.warnings) warn(draft, deps.logger, w);
    for (const r of won.plan.refused) warn(draft, deps.logger, `refused ${JSON.stringify(displayPath(r.path))}: ${r.reason}`);
    draft.refused = won.plan.refused;
    await deps.workspace.commitWrite(won.plan);
    draft.files = won.plan.files.map(({ path, kind, bytes, sha256 }) => ({ path, kind, bytes, sha256 }));
    const working = new Map<string, GeneratedFile>();
    for (const f of won.plan.files) working.set(f.path, { path: f.path, content: f.content, kind: f.kind });
    await writeManifest({ opts, deps, draft });
    emitRound(deps, draft);
    if (won.sandbox) {
      await repairIfFailing({ provider, messages, replyText: won.replyText, working, dependencies: won.parsed.dependencies, refused: won.plan.refused, sandbox: won.sandbox, opts, deps, draft });
    }
  } finally {
    if (won.sandbox) {
      deps.onPhase?.('cleaning up');
      await won.sandbox.dispose();
    }
  }
}

async function runExisting(opts: PipelineOptions, deps: PipelineDeps, draft: ResultDraft): Promise<void> {
  const dir = opts.runDir!;
  // Hidden tests inside the folder are run as hidden tests, in their own run, not as the folder's own.
  const hidden = hiddenPaths(opts);
  const collected = (await collectFiles(dir)).filter((f) => !hidden.has(f.path));
  const lang = opts.langExplicit ? opts.lang : (detectLang(collected.map((f) => f.path)) ?? opts.lang);
  const files: GeneratedFile[] = collected.map((f) => {
    const content = f.content.toString('utf8');
    return { path: f.path, content, kind: deps.reply.classifyFile(f.path, content) };
  });
  draft.files = describeFiles(files);
  const user = userFilesOf(opts);
  if (!files.some((f) => f.kind === 'test') && user.acceptance.length + user.hidden.length === 0) {
    // Zero tests collected is a failure (exit 1) from every command, never a pass and never a reply problem.
    throw new TestsFailedError(`no tests were collected: no test files found in ${dir}`, {
      code: 'no_tests',
      hint: `tests are files named ${getLanguage(lang).testFileHint}`,
    });
  }
  const sandbox = await createSandbox(lang, deps, dir);
  try {
    const inDir = new Map(collected.map((f) => [f.path, f]));
    await sandbox.prepare([...collected.map((f) => ({ path: f.path, content: f.content })), ...sandboxUserFiles(inDir, opts)]);
    draft.tests = await runTests({ sandbox, lang, files, dependencies: await projectDependencies(files, lang), lastRound: true, opts, deps, draft });
    draft.rounds.push({ round: 0, usage: null, cost: null, tests: toRoundTests(draft.tests) });
  } finally {
    deps.onPhase?.('cleaning up');
    await sandbox.dispose();
  }
}
