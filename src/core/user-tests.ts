/**
 * The user's files in a run (`--tests`, `--hidden-tests`, `--context`), as the pipeline's steps use them: the
 * write guard for every round, the files the sandbox gets beside the generated ones, the files each test run
 * is told about (with their origin), the manifest's record of them, and the diff a forced overwrite shows.
 */
import { languageOfExtension } from '../languages/registry.js';
import { extensionOf } from '../reply/languages.js';
import type { SourceFile, UserTests } from '../sandbox/run-context.js';
import type { GeneratedFile, TestOrigin } from '../types.js';
import { lineDiff } from '../util/line-diff.js';
import { sha256 } from '../util/sha256.js';
import { userPathGuard, type UserPathGuard } from '../workspace/user-paths.js';
import type { PipelineDeps, PipelineOptions, PlanLike } from './pipeline-types.js';
import { type RunScope, warn } from './run-scope.js';

export interface UserFilesInRun extends UserTests {
  context: SourceFile[];
}

export function userFilesOf(opts: PipelineOptions): UserFilesInRun {
  return { acceptance: opts.userTests?.acceptance ?? [], hidden: opts.userTests?.hidden ?? [], context: opts.contextFiles ?? [] };
}

/** What no reply may write in this run (first round and every repair round alike), or undefined when nothing is guarded. */
export function writeGuard(opts: PipelineOptions): UserPathGuard | undefined {
  const u = userFilesOf(opts);
  return userPathGuard({
    acceptance: u.acceptance.map((f) => f.path),
    context: u.context.map((f) => f.path),
    userTests: u.acceptance.length + u.hidden.length > 0,
    force: opts.force,
  });
}

export type RunFile = { path: string; kind: GeneratedFile['kind']; content: string; origin?: TestOrigin };

/**
 * The files a test run is told about: the project as it is (`files`), the context files the reply did not
 * replace, the acceptance tests (in place of any file at their paths) and the hidden tests (kept apart by the
 * runner, which brings them in only for their own run).
 */
export function withUserFiles(files: GeneratedFile[], opts: PipelineOptions, classify: PipelineDeps['reply']['classifyFile']): RunFile[] {
  const u = userFilesOf(opts);
  const acceptance = new Set(u.acceptance.map((f) => f.path));
  const own = files.filter((f) => !acceptance.has(f.path));
  const have = new Set(own.map((f) => f.path));
  // A context file is the project's code, whatever its name: the user's tests are the ones named with --tests.
  const context = u.context.filter((f) => !have.has(f.path)).map((f) => ({ ...f, kind: contextKind(classify(f.path, f.content)) }));
  return [
    ...own,
    ...context,
    ...u.acceptance.map((f) => ({ ...f, kind: userTestKind(f, classify), origin: 'acceptance' as const })),
    ...u.hidden.map((f) => ({ ...f, kind: userTestKind(f, classify), origin: 'hidden' as const })),
  ];
}

/** Paths of the hidden tests: a folder's copy of one never goes into the sandbox with the folder's other files. */
export function hiddenPaths(opts: PipelineOptions): Set<string> {
  return new Set(userFilesOf(opts).hidden.map((f) => f.path));
}

/**
 * What a sandbox holds from the start: a folder's files, less any copy of a hidden test (those come in only for
 * their own run: see withUserFiles), then the user's files (sandboxUserFiles) that `own` does not replace.
 */
export function sandboxContents<F extends { path: string }>(folder: F[], own: ReadonlyMap<string, unknown>, opts: PipelineOptions): (F | SourceFile)[] {
  const hidden = hiddenPaths(opts);
  return [...folder.filter((f) => !hidden.has(f.path)), ...sandboxUserFiles(own, opts)];
}

/** The user's files the sandbox holds from the start (hidden tests excepted: see withUserFiles). */
export function sandboxUserFiles(working: ReadonlyMap<string, unknown>, opts: PipelineOptions): SourceFile[] {
  const u = userFilesOf(opts);
  return [...u.context.filter((f) => !working.has(f.path)), ...u.acceptance];
}

/** The manifest's `userTests`: which files a result was checked against. */
export function userTestRecords(opts: PipelineOptions): { origin: 'acceptance' | 'hidden'; path: string; sha256: string }[] {
  const u = userFilesOf(opts);
  return [
    ...u.acceptance.map((f) => ({ origin: 'acceptance' as const, path: f.path, sha256: sha256(f.content) })),
    ...u.hidden.map((f) => ({ origin: 'hidden' as const, path: f.path, sha256: sha256(f.content) })),
  ];
}

/** With --force a reply may overwrite a context file: the user sees what it changed. */
export function showContextOverwrites({ opts, deps, draft }: RunScope, plan: PlanLike, prefix = ''): void {
  const context = new Map(userFilesOf(opts).context.map((f) => [f.path.toLowerCase(), f]));
  if (context.size === 0) return;
  for (const f of plan.files) {
    const before = context.get(f.path.toLowerCase());
    if (!before || before.content === f.content) continue;
    warn(draft, deps.logger, `${prefix}--force: the reply overwrote the context file ${f.path}:\n${lineDiff(before.content, f.content, { path: f.path })}`);
  }
}

function contextKind(kind: GeneratedFile['kind']): GeneratedFile['kind'] {
  return kind === 'test' ? 'code' : kind;
}

/** A user's test file runs even when its name is not a test name, as long as it defines tests. */
function userTestKind(f: SourceFile, classify: PipelineDeps['reply']['classifyFile']): GeneratedFile['kind'] {
  const kind = classify(f.path, f.content);
  if (kind !== 'code') return kind;
  const counting = languageOfExtension(extensionOf(f.path))?.counting;
  return counting && (f.content.match(counting.cases) ?? []).length > 0 ? 'test' : kind;
}
