import { UsageError } from '../errors.js';

/** One CI job's part of a task list: `index` counts from 1, as `--shard <i>/<n>` says it. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The tasks whose 0-based position in the list, modulo `count`, is `index - 1`: n jobs given 1/n … n/n cover
 * the list exactly once, and each job's part does not depend on how long the others take. Position, not file
 * line: blank and comment lines of a tasks file do not shift the split.
 */
export function selectShard<T>(tasks: readonly T[], shard: Shard): T[] {
  return tasks.filter((_, i) => i % shard.count === shard.index - 1);
}

/** `--shard 2/3` → { index: 2, count: 3 }; anything else is a one-line usage error. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new UsageError(`--shard must be <i>/<n> with 1 ≤ i ≤ n, got "${text}"`, {
      code: 'usage',
      hint: 'e.g. --shard 2/3 runs the second of three parts; a CI matrix runs 1/3, 2/3 and 3/3',
    });
  }
  return { index, count };
}
