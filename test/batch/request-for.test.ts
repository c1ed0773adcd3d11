import { expect, it } from 'vitest';
import { type BatchSettings, requestFor } from '../../src/batch/run-batch.js';
import type { Task } from '../../src/batch/tasks.js';

const settings = (defaults: BatchSettings['defaults']): BatchSettings =>
  ({ root: '/tmp/batch-root', concurrency: 1, llmConcurrency: 1, sandboxConcurrency: 1, maxCost: null, defaults, runByDefault: true }) as BatchSettings;
const task = (spec: Record<string, unknown>): Task => ({ spec: { id: 't1', prompt: 'p', ...spec } as Task['spec'], line: 1, fingerprint: 'f' });

it('a task\'s run:false beats the batch-wide --fix; a task that names its own fix keeps it', () => {
  expect(requestFor(task({ run: false }), settings({ run: true, fix: 2 })).options).not.toHaveProperty('fix');
  expect(requestFor(task({}), settings({ run: true, fix: 2 })).options.fix).toBe(2);
  expect(requestFor(task({ run: false, fix: 1 }), settings({ fix: 2 })).options.fix).toBe(1);
});
