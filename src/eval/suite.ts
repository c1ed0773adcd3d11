import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { LANGS } from '../languages/registry.js';
import type { SourceFile } from '../sandbox/run-context.js';
import { checkPath } from '../workspace/paths.js';
import { loadHumanEval } from './humaneval.js';
import type { EvalTask, Suite } from './types.js';

/** The suites that ship with ptc, by name. */
export const BUNDLED_SUITES = ['humaneval'] as const;

/** Files inline (`{path: content}`) or a folder, relative to the suite file. */
const filesField = z.union([z.record(z.string(), z.string()), z.string().min(1)]);

/** One line of a user's suite. Misspelt keys are errors, as in a batch tasks file. */
const suiteLineSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" and "-" (it names the task\'s folder)'),
  prompt: z.string().trim().min(1, 'must not be empty'),
  lang: z.enum(LANGS).optional(),
  hiddenTests: filesField,
  context: filesField.optional(),
});

/** Bounds on a folder named by a suite line: enough for tests, not a whole disk by mistake. */
const MAX_FOLDER_FILES = 200;
const MAX_FILE_BYTES = 1_000_000;

/** `humaneval`, or a JSONL file; every line is checked before anything runs, and all problems are listed at once. */
export async function loadSuite(spec: string, cwd: string): Promise<Suite> {
  if (spec === 'humaneval') return loadHumanEval();
  const path = resolve(cwd, spec);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the suite ${spec}: ${err.code ?? err.message}`, {
      hint: `name a bundled suite (${BUNDLED_SUITES.join(', ')}) or a JSONL file: {"id", "prompt", "hiddenTests": {path: content} | "dir"}`,
    });
  });
  return { name: basename(spec).replace(/\.jsonl$/, ''), source: spec, tasks: await parseSuite(text, dirname(path), spec) };
}

export async function parseSuite(text: string, baseDir: string, source: string): Promise<EvalTask[]> {
  const tasks: EvalTask[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    const at = `line ${i + 1}`;
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('//')) continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      problems.push(`${at}: not JSON: ${(err as Error).message}`);
      continue;
    }
    const parsed = suiteLineSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${at}: ${issue.path.length ? `"${issue.path.join('.')}": ` : ''}${issue.message}`);
      continue;
    }
    const line = parsed.data;
    if (seen.has(line.id)) {
      problems.push(`${at}: id "${line.id}" is already used on line ${seen.get(line.id)}`);
      continue;
    }
    seen.set(line.id, i + 1);
    try {
      const hidden = await filesOf(line.hiddenTests, baseDir);
      if (hidden.length === 0) throw new Error('"hiddenTests" holds no files');
      const context = line.context === undefined ? [] : await filesOf(line.context, baseDir);
      tasks.push({ id: line.id, prompt: line.prompt, lang: line.lang ?? LANGS[0], hidden, context });
    } catch (err) {
      problems.push(`${at}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 50).map((p) => `  ${p}`);
    if (problems.length > shown.length) shown.push(`  … and ${problems.length - shown.length} more`);
    throw new UsageError(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the suite; nothing was run\n${shown.join('\n')}`, {
      code: 'eval_invalid_suite',
      hint: `each line is {"id": "...", "prompt": "...", "lang"?: ${LANGS.join(' | ')}, "hiddenTests": {"test_x.py": "..."} | "folder", "context"?: same}`,
    });
  }
  if (tasks.length === 0) throw new UsageError(`${source} holds no tasks`, { hint: 'one task a line: {"id", "prompt", "hiddenTests"}' });
  return tasks;
}

/** Inline files, or every regular file under a folder (dot-files and caches left out); each path must be a safe relative one. */
async function filesOf(field: Record<string, string> | string, baseDir: string): Promise<SourceFile[]> {
  const entries = typeof field === 'string' ? await readFolder(resolve(baseDir, field), field) : Object.entries(field).map(([path, content]) => ({ path, content }));
  return entries.map(({ path, content }) => {
    const check = checkPath(path);
    if (!check.ok) throw new Error(`file "${path}": ${check.reason}`);
    return { path: check.path, content };
  });
}

async function readFolder(dir: string, given: string): Promise<SourceFile[]> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`"${given}" is not a folder (paths are relative to the suite file)`);
  const names = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !relative(dir, p).split(sep).some((part) => part.startsWith('.') || part === '__pycache__' || part === 'node_modules'))
    .sort();
  if (names.length > MAX_FOLDER_FILES) throw new Error(`"${given}" holds more than ${MAX_FOLDER_FILES} files`);
  const files: SourceFile[] = [];
  for (const p of names) {
    if ((await stat(p)).size > MAX_FILE_BYTES) throw new Error(`"${relative(dir, p)}" in "${given}" is larger than ${MAX_FILE_BYTES / 1_000_000} MB`);
    files.push({ path: relative(dir, p).split(sep).join('/'), content: await readFile(p, 'utf8') });
  }
  return files;
}

/** `--tasks a,b` (in the suite's order, every id must exist), then `--limit n`. */
export function selectTasks(suite: Suite, o: { tasks?: string[]; limit?: number }): EvalTask[] {
  let tasks = suite.tasks;
  if (o.tasks && o.tasks.length > 0) {
    const wanted = new Set(o.tasks);
    const known = new Set(tasks.map((t) => t.id));
    const unknown = [...wanted].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new UsageError(`--tasks: ${suite.name} has no task ${unknown.map((u) => `"${u}"`).join(', ')}`, {
        hint: `ids look like "${tasks[0]?.id}"`,
      });
    }
    tasks = tasks.filter((t) => wanted.has(t.id));
  }
  if (o.limit !== undefined) tasks = tasks.slice(0, o.limit);
  return tasks;
}
