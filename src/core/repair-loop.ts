/**
 * The repair loop (`--run --fix n`): failing tests go back to the model until they pass, the rounds run out,
 * a reply changes nothing, or the budget would be passed.
 */
import { displayPath } from '../workspace/paths.js';
import { abortReason, PtcError } from '../errors.js';
import { type ResultDraft, testsFailed } from '../report/build.js';
import type { ChatMessage, GeneratedFile, Provider, Sandbox } from '../types.js';
import type { PipelineDeps, PipelineOptions, PlanLike } from './pipeline-types.js';
import { buildRepairMessage, measureTests, testsRemoved } from './repair.js';
import { canonicalPath } from '../workspace/paths.js';
import { estimateTokens, lastCall, promptTokens } from './budget.js';
import { describeFiles, writeManifest } from './manifest-step.js';
import { callModel } from './model-call.js';
import { emitRound, type RunScope, warn } from './run-scope.js';
import { runTests, toRoundTests } from './test-run.js';
import { showContextOverwrites, writeGuard } from './user-tests.js';

export interface LoopState {
  working: Map<string, GeneratedFile>;
  dependencies: string[];
  /** Files of the last reply that were not written, to tell the model. */
  refused: { path: string; reason: string }[];
  /** Test files whose changes the last round dropped (--protect-tests), to tell the model. */
  ignoredTestChanges: string[];
}

/**
 * The repair loop: show the model what failed until the tests pass, the rounds run out, a reply changes
 * nothing, or the budget would be passed. The conversation keeps every turn; the sandbox is the same one.
 * `conversation` ends with the model's last reply.
 */
export interface RepairRun extends RunScope {
  provider: Provider;
  conversation: ChatMessage[];
  state: LoopState;
  /** The run's sandbox, with the files as they are now. */
  sandbox: Sandbox;
}

export async function repairLoop(r: RepairRun): Promise<void> {
  const { provider, state, sandbox, opts, deps, draft } = r;
  let { conversation } = r;
  const { logger } = deps;
  let repairs = 0;
  for (let round = 1; round <= opts.fix && testsFailed(draft.tests); round++) {
    const interrupted = abortReason(deps.signal);
    if (interrupted) throw interrupted;
    const request = buildRepairMessage({
      lang: opts.lang,
      tests: draft.tests!,
      files: [...state.working.values()],
      protectTests: opts.protectTests,
      ignoredTestChanges: state.ignoredTestChanges,
      refused: state.refused,
      acceptance: (opts.userTests?.acceptance ?? []).map((f) => f.path),
    });
    conversation = [...conversation, { role: 'user', content: request }];
    logger.debug(`repair request, round ${round}:\n${request}`);
    const last = lastCall(draft);
    // What the last call was sent and answered is all in this prompt too: a floor under the estimate.
    const floor = last ? promptTokens(last) + last.outputTokens + estimateTokens(request) : 0;
    const reply = await callModel({ provider, messages: conversation, opts, deps, draft, round, floorTokens: floor });
    if (!reply) return; // the budget: callModel said why
    repairs = round;
    conversation = [...conversation, { role: 'assistant', content: reply.text }];
    const entry = draft.rounds[draft.rounds.length - 1]!;
    const stop = (reason: string) => {
      draft.stopReason = reason;
      warn(draft, logger, reason);
      entry.tests = toRoundTests(draft.tests!);
      emitRound(deps, draft);
    };
    if (reply.stopReason === 'length') {
      return stop(`round ${round}: the reply was cut off at the token limit (${reply.usage.outputTokens} output tokens), so nothing from it was applied and repairing stopped; raise --max-tokens`);
    }

    const change = proposedChange(reply.text, state, opts, deps, draft, round);
    state.ignoredTestChanges = change.ignoredTests;
    if (change.ignoredTests.length > 0) entry.ignoredTestChanges = change.ignoredTests;
    if (change.files.length === 0 && change.deleted.length === 0) {
      if (change.ignoredTests.length > 0) {
        // Only test changes, all dropped: the files are as they were, so the tests are too. Tell the model.
        state.refused = [];
        entry.tests = toRoundTests(draft.tests!);
        emitRound(deps, draft);
        continue;
      }
      return stop(`round ${round}: the model's reply changed nothing, so repairing stopped`);
    }

    const before = measureTests([...state.working.values()]);
    const applied = await applyChange(change, state, opts, deps, draft, round);
    if (applied.written.length === 0 && applied.deleted.length === 0) {
      return stop(`round ${round}: nothing in the model's reply could be written, so repairing stopped`);
    }
    const removed = testsRemoved(before, measureTests([...state.working.values()]), applied.deletedTests);
    if (removed) {
      entry.testsRemoved = true;
      warn(draft, logger, `round ${round}: the model removed tests (${removed}); a pass may not mean what it seems`);
    }
    draft.files = describeFiles(state.working.values());
    await writeManifest({ opts, deps, draft });

    await sandbox.prepare(
      applied.written.map((f) => ({ path: f.path, content: f.content })),
      applied.deleted,
    );
    draft.tests = await runTests({ sandbox, lang: opts.lang, files: [...state.working.values()], dependencies: state.dependencies, lastRound: round >= opts.fix, opts, deps, draft });
    entry.tests = toRoundTests(draft.tests);
    emitRound(deps, draft);
  }
  if (!draft.stopReason) {
    draft.stopReason = testsFailed(draft.tests)
      ? `tests still fail after ${repairs} repair round${repairs === 1 ? '' : 's'}`
      : `tests pass after ${repairs} repair round${repairs === 1 ? '' : 's'}`;
  }
}

interface ProposedChange {
  files: GeneratedFile[];
  deleted: string[];
  ignoredTests: string[];
}

/** The reply's files that differ from the working set, and its deletions of working-set files. */
function proposedChange(
  text: string,
  state: LoopState,
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
  round: number,
): ProposedChange {
  const next = deps.reply.parseReply(text, { lang: opts.lang });
  for (const w of next.warnings) warn(draft, deps.logger, `round ${round}: ${w}`);
  let files = next.files
    .map((f) => ({ ...f, path: canonicalPath(f.path) }))
    .filter((f) => state.working.get(f.path)?.content !== f.content);
  let deleted = [...new Set(next.deleted.map(canonicalPath))];
  const foreign = deleted.filter((p) => !state.working.has(p));
  if (foreign.length > 0) {
    warn(draft, deps.logger, `round ${round}: ignored the deletion of ${foreign.join(', ')}: only files ptc wrote in this run are deleted`);
    deleted = deleted.filter((p) => state.working.has(p));
  }
  for (const d of next.dependencies) if (!state.dependencies.includes(d)) state.dependencies = [...state.dependencies, d];

  let ignoredTests: string[] = [];
  if (opts.protectTests) {
    const isTest = (path: string, kind?: GeneratedFile['kind']) => kind === 'test' || state.working.get(path)?.kind === 'test';
    ignoredTests = [...files.filter((f) => isTest(f.path, f.kind)).map((f) => f.path), ...deleted.filter((p) => isTest(p))];
    if (ignoredTests.length > 0) {
      warn(draft, deps.logger, `round ${round}: --protect-tests: ignored the model's changes to ${ignoredTests.join(', ')}`);
      const dropped = new Set(ignoredTests);
      files = files.filter((f) => !dropped.has(f.path));
      deleted = deleted.filter((p) => !dropped.has(p));
    }
  }
  return { files, deleted, ignoredTests };
}

/**
 * Writes a round's change safely. Files ptc wrote earlier in this run may be rewritten without --force;
 * any other existing file stays protected (refused, and the model is told) unless --force was given.
 */
async function applyChange(
  change: ProposedChange,
  state: LoopState,
  opts: PipelineOptions,
  deps: PipelineDeps,
  draft: ResultDraft,
  round: number,
): Promise<{ written: GeneratedFile[]; deleted: string[]; deletedTests: string[] }> {
  const owned = new Set(state.working.keys());
  const protectedFiles: LoopState['refused'] = [];
  let files = change.files;
  let plan: PlanLike | null = null;
  let unsafe: LoopState['refused'] = [];
  while (files.length > 0) {
    try {
      plan = await deps.workspace.planWrite(opts.outDir, files, { force: opts.force, owned, protect: writeGuard(opts), ...opts.limits });
    } catch (err) {
      // Every file refused (unsafe paths): the round writes nothing, the loop says so.
      if (!(err instanceof PtcError) || err.code !== 'reply_all_unsafe') throw err;
      const guard = writeGuard(opts);
      unsafe = files.map((f) => ({
        path: f.path,
        reason: guard?.(canonicalPath(f.path), f.content) ?? 'unsafe path (paths are relative and stay inside the project)',
      }));
      plan = null;
      break;
    }
    if (opts.force || plan.conflicts.length === 0) break;
    // Plan again without the files that would overwrite something ptc did not write.
    const conflicts = new Set(plan.conflicts);
    for (const path of conflicts) protectedFiles.push({ path, reason: 'an existing file ptc did not write in this run (--force allows overwriting it)' });
    files = plan.files.filter((f) => !conflicts.has(f.path)).map((f) => ({ path: f.path, content: f.content, kind: f.kind }));
    plan = null;
  }
  const refused = [...(plan?.refused ?? unsafe), ...protectedFiles];
  for (const r of refused) warn(draft, deps.logger, `round ${round}: refused ${JSON.stringify(displayPath(r.path))}: ${r.reason}`);
  state.refused = refused;
  if (!plan && change.deleted.length === 0) return { written: [], deleted: [], deletedTests: [] };
  await deps.workspace.commitWrite(plan ?? { outDir: opts.outDir, files: [], refused: [], conflicts: [] }, { remove: change.deleted });
  if (plan) showContextOverwrites({ opts, deps, draft }, plan, `round ${round}: `);
  const deletedTests = change.deleted.filter((p) => state.working.get(p)?.kind === 'test');
  for (const p of change.deleted) state.working.delete(p);
  const written: GeneratedFile[] = [];
  for (const f of plan?.files ?? []) {
    const file = { path: f.path, content: f.content, kind: f.kind };
    state.working.set(f.path, file);
    written.push(file);
  }
  return { written, deleted: change.deleted, deletedTests };
}
