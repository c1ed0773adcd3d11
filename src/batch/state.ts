import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultSchema } from '../report/result-schema.js';
import { keepsEarlier, type TaskResult } from './task-result.js';
import { makeDirs } from '../util/make-dirs.js';

export const STATE_FILE = '.ptc-batch.jsonl';

interface StateLine {
  id: string;
  fingerprint: string;
  finishedAt: string;
  result: TaskResult;
}

/**
 * The batch's memory between runs: one line appended per finished task, in the output root. An append of
 * one line is all-or-nothing in practice; a line cut by a kill is ignored on the next read, so a crash
 * costs at most the tasks that were in flight.
 */
export class BatchState {
  private constructor(
    readonly path: string,
    private readonly done: Map<string, StateLine>,
    private readonly scrub: (text: string) => string,
  ) {}

  /** `scrub` removes known secrets from each line before it is stored (a task's error may quote one). */
  static async load(root: string, scrub: (text: string) => string = (t) => t): Promise<BatchState> {
    const path = join(root, STATE_FILE);
    const done = new Map<string, StateLine>();
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      try {
        const line = JSON.parse(raw) as StateLine;
        if (typeof line.id !== 'string' || typeof line.fingerprint !== 'string') continue;
        if (!resultSchema.safeParse(line.result).success) continue;
        done.set(line.id, line);
      } catch {
        // cut short by a kill: that task simply runs again
      }
    }
    return new BatchState(path, done, scrub);
  }

  /** The earlier result of this exact task (same id, same line content), if it finished. */
  finished(id: string, fingerprint: string): TaskResult | null {
    const line = this.done.get(id);
    return line && line.fingerprint === fingerprint ? line.result : null;
  }

  /** The earlier result that stands for this run (keepsEarlier), so the task is not run again; else null. */
  standing(id: string, fingerprint: string, o: { retryFailed?: boolean }): TaskResult | null {
    const earlier = this.finished(id, fingerprint);
    return earlier && keepsEarlier(earlier, o) ? earlier : null;
  }

  /** Whether any run recorded this task, whatever its line was then (its folder holds that run's files). */
  recorded(id: string): boolean {
    return this.done.has(id);
  }

  get size(): number {
    return this.done.size;
  }

  async record(fingerprint: string, result: TaskResult): Promise<void> {
    const line: StateLine = { id: result.id, fingerprint, finishedAt: new Date().toISOString(), result };
    await makeDirs(join(this.path, '..'));
    await appendFile(this.path, this.scrub(JSON.stringify(line)) + '\n');
    this.done.set(result.id, line);
  }
}
