import { formatUsd } from '../cost/money.js';
import type { IO } from '../ui/io.js';
import type { BatchListener } from './run-batch.js';
import type { TaskResult } from './task-result.js';

const MARK: Record<TaskResult['status'], string> = { passed: '✓', failed: '✗', error: '!', skipped: '-', interrupted: '-' };

/**
 * Batch progress on stderr: on a TTY a live line (done/failed/running, tokens, spend, ETA); elsewhere one
 * line per finished task, so a log of a long batch stays readable.
 */
export class BatchProgress implements BatchListener {
  private done = 0;
  private failed = 0;
  private readonly running = new Set<string>();
  private doneThisRun = 0;
  private usd = 0;
  private tokens = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly io: IO,
    private readonly total: number,
  ) {}

  started(id: string): void {
    this.running.add(id);
    this.draw();
  }

  spent(usd: number, tokens: number): void {
    this.usd = usd;
    this.tokens = tokens;
    this.draw();
  }

  finished(task: TaskResult): void {
    this.done++;
    if (task.status !== 'passed') this.failed++;
    if (this.running.delete(task.id)) this.doneThisRun++;
    if (!this.io.interactive && !task.resumed) {
      const tests = task.tests?.ran ? ` ${task.tests.passed}/${task.tests.passed + task.tests.failed + task.tests.errors} tests` : '';
      const why = task.status === 'passed' ? '' : ` (${task.error?.code ?? task.status})`;
      this.io.logger.info(`${MARK[task.status]} ${task.id}${tests} ${formatUsd(task.cost?.usd ?? null)} ${(task.durationMs / 1000).toFixed(1)}s${why} [${this.done}/${this.total}]`);
    }
    this.draw();
  }

  /** Time left, from this run's pace so far. */
  private eta(): string {
    if (this.doneThisRun === 0) return 'ETA …';
    const perTask = (Date.now() - this.startedAt) / this.doneThisRun;
    const left = Math.round((perTask * (this.total - this.done)) / 1000);
    return `ETA ${left >= 60 ? `${Math.floor(left / 60)}m${String(left % 60).padStart(2, '0')}s` : `${left}s`}`;
  }

  private draw(): void {
    if (!this.io.interactive) return;
    const width = 20;
    const filled = Math.round((this.done / Math.max(1, this.total)) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    this.io.progress(
      `${bar} ${this.done}/${this.total} done · ${this.failed} failed · ${this.running.size} running · ${this.tokens} tokens · ${formatUsd(this.usd)} · ${this.eta()}`,
    );
  }

  stop(): void {
    this.io.stopProgress();
  }
}
