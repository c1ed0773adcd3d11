import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { taskOptionShape } from '../config/option-schemas.js';
import { closest } from '../config/suggest.js';

/** One line of a tasks file: an id, a prompt, and any generate option in camelCase. Misspelt keys are errors. */
export const taskSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" and "-" (it names the task\'s folder)'),
  prompt: z.string().trim().min(1, 'must not be empty'),
  ...taskOptionShape(),
});

export type TaskSpec = z.infer<typeof taskSchema>;

export interface Task {
  spec: TaskSpec;
  /** 1-based line in the tasks file. */
  line: number;
  /** Changes when the task's line changes, so a resumed batch reruns an edited task. */
  fingerprint: string;
}

export interface TaskLineError {
  line: number;
  message: string;
}

/** Reads every line before anything runs; returns all the problems, each with its line number. */
export function parseTasks(text: string): { tasks: Task[]; errors: TaskLineError[] } {
  const tasks: Task[] = [];
  const errors: TaskLineError[] = [];
  const firstLineOf = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('//') || trimmed.startsWith('#')) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      errors.push({ line, message: `not JSON: ${(err as Error).message}` });
      return;
    }
    const parsed = taskSchema.safeParse(value);
    if (!parsed.success) {
      errors.push(...lineErrors(line, parsed.error.issues, value));
      return;
    }
    const seen = firstLineOf.get(parsed.data.id);
    if (seen !== undefined) {
      errors.push({ line, message: `id "${parsed.data.id}" is already used on line ${seen}` });
      return;
    }
    firstLineOf.set(parsed.data.id, line);
    tasks.push({ spec: parsed.data, line, fingerprint: fingerprintOf(parsed.data) });
  });
  return { tasks, errors };
}

/**
 * A line's problems, a misspelt key with the key it was probably meant to be (`"promt"` → `"prompt"`); the
 * "missing" complaint about that key goes, since the did-you-mean already says it.
 */
function lineErrors(line: number, issues: z.core.$ZodIssue[], value: unknown): TaskLineError[] {
  const known = Object.keys(taskSchema.shape);
  const meant = new Set<string>();
  const errors: TaskLineError[] = [];
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys' || issue.path.length > 0) continue;
    for (const key of issue.keys) {
      const suggestion = closest(key, known);
      if (suggestion) meant.add(suggestion);
      errors.push({ line, message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}` });
    }
  }
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) continue;
    const key = String(issue.path[0] ?? '');
    const missing = issue.path.length === 1 && (value as Record<string, unknown>)[key] === undefined;
    if (missing && meant.has(key)) continue;
    const where = issue.path.length > 0 ? `"${issue.path.join('.')}": ` : '';
    errors.push({ line, message: `${where}${issue.message}` });
  }
  return errors;
}

function fingerprintOf(spec: TaskSpec): string {
  const sorted = Object.fromEntries(Object.entries(spec).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** The error for a tasks file with bad lines: all of them listed, nothing run. */
export function invalidTasksError(source: string, errors: TaskLineError[]): UsageError {
  const shown = errors.slice(0, 50).map((e) => `  line ${e.line}: ${e.message}`);
  if (errors.length > shown.length) shown.push(`  … and ${errors.length - shown.length} more`);
  // Lines, not problems: one line may have several.
  const lines = new Set(errors.map((e) => e.line)).size;
  return new UsageError(`${source}: ${lines} invalid task line${lines === 1 ? '' : 's'}; nothing was run\n${shown.join('\n')}`, {
    code: 'batch_invalid_tasks',
    hint: 'each line is {"id": "...", "prompt": "...", ...generate options in camelCase}',
  });
}
