import { describe, expect, it } from 'vitest';
import { batchTotals, renderBatch, batchDocument } from '../../src/batch/report.js';
import type { BatchRun } from '../../src/batch/run-batch.js';
import type { TaskResult } from '../../src/batch/task-result.js';
import { finishResult, newDraft } from '../../src/report/build.js';
import type { Cost } from '../../src/types.js';

/** A finished task that spent `cost`. */
function task(id: string, cost: Cost | null): TaskResult {
  return { ...finishResult(newDraft('generate'), null), cost, id, status: 'passed' };
}
const run = (...tasks: TaskResult[]): BatchRun => ({ tasks, durationMs: 1000, backoffs: 0 });

describe('batch cost totals', () => {
  it('a total that mixes billed and estimated dollars is an estimate', () => {
    const totals = batchTotals(run(task('a', { usd: 0.1, source: 'provider' }), task('b', { usd: 0.2, source: 'catalog' })));
    expect(totals.cost).toEqual({ usd: expect.closeTo(0.3, 12), source: 'catalog' });
    expect(batchTotals(run(task('a', { usd: 0.1, source: 'provider' }), task('b', { usd: 0.2, source: 'provider' }))).cost).toEqual({
      usd: expect.closeTo(0.3, 12),
      source: 'provider',
    });
  });

  it('one unpriced task makes the total unknown, not a partial sum passing for the whole', () => {
    const doc = batchDocument(run(task('a', { usd: 0.1, source: 'provider' }), task('b', { usd: null, source: 'unknown' }), task('c', null)));
    expect(doc.totals.cost).toEqual({ usd: null, source: 'unknown' });
    expect(renderBatch(doc)).toMatch(/^total: .* · cost unknown \(some prices unknown\) · /m);
  });
});
