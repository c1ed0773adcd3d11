import { UsageError } from '../errors.js';
import { batchDocument, type BatchDocument } from './report.js';
import type { TaskResult } from './task-result.js';

export interface NamedReport {
  /** Where it came from (a file name), for messages. */
  name: string;
  doc: unknown;
}

/**
 * One report from the reports of a batch's shards (`ptc batch --shard i/n --json`): the shards must be disjoint
 * (a task in two reports is an error naming it and both files); when every report says which shard it is, the
 * tasks come back in the tasks file's order, and missing shards are named in `warnings`.
 */
export function mergeReports(reports: NamedReport[]): { doc: BatchDocument; warnings: string[] } {
  const docs = reports.map((r) => ({ name: r.name, doc: asBatchDocument(r) }));
  const owner = new Map<string, string>();
  const overlaps: string[] = [];
  for (const { name, doc } of docs) {
    for (const t of doc.tasks) {
      const first = owner.get(t.id);
      if (first !== undefined) overlaps.push(`"${t.id}" (${first} and ${name})`);
      else owner.set(t.id, name);
    }
  }
  if (overlaps.length > 0) {
    throw new UsageError(`the reports overlap: ${overlaps.slice(0, 10).join(', ')}${overlaps.length > 10 ? `, … ${overlaps.length - 10} more` : ''}`, {
      code: 'batch_merge_overlap',
      hint: 'merge the reports of one run of each shard (--shard 1/n … n/n), each once',
    });
  }

  const warnings: string[] = [];
  const shards = docs.map((d) => d.doc.shard);
  let tasks: TaskResult[];
  const first = shards[0];
  if (first && shards.every((s) => s && s.count === first.count && s.tasksInFile === first.tasksInFile)) {
    const present = new Set(shards.map((s) => s!.index));
    const missing = Array.from({ length: first.count }, (_, i) => i + 1).filter((i) => !present.has(i));
    if (missing.length > 0) warnings.push(`missing shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${first.count}`).join(', ')}: the merged report is not the whole batch`);
    // Shard i holds the tasks at positions i-1, i-1+n, …: put each back at its place in the file.
    const placed: { at: number; task: TaskResult }[] = [];
    for (const { doc } of docs) doc.tasks.forEach((task, k) => placed.push({ at: k * first.count + (doc.shard!.index - 1), task }));
    tasks = placed.sort((a, b) => a.at - b.at).map((p) => p.task);
  } else {
    if (shards.some(Boolean)) warnings.push('the reports come from different splits of the tasks: kept in the order given');
    tasks = docs.flatMap((d) => d.doc.tasks);
  }
  const stopped = docs.find((d) => d.doc.stoppedBy)?.doc.stoppedBy;
  const doc = batchDocument({
    tasks,
    durationMs: Math.max(0, ...docs.map((d) => d.doc.totals.durationMs)),
    backoffs: docs.reduce((n, d) => n + (d.doc.totals.backoffs ?? 0), 0),
    stoppedBy: stopped ? (tasks.find((t) => t.id === stopped.id) ?? null) : null,
  });
  return { doc, warnings };
}

function asBatchDocument(r: NamedReport): BatchDocument {
  const d = r.doc as Partial<BatchDocument> | null;
  const ok =
    d !== null &&
    typeof d === 'object' &&
    d.schemaVersion === 1 &&
    Array.isArray(d.tasks) &&
    d.tasks.every((t) => t && typeof t === 'object' && typeof (t as TaskResult).id === 'string' && typeof (t as TaskResult).status === 'string') &&
    typeof d.totals === 'object' &&
    d.totals !== null;
  if (!ok) {
    throw new UsageError(`${r.name} is not a batch report`, {
      code: 'batch_merge_invalid',
      hint: 'give the files `ptc batch … --json > report.json` wrote',
    });
  }
  return d as BatchDocument;
}
