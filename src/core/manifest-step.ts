/** What a run records about its files: the manifest in the output folder and the result's `files`. */
import type { GeneratedFile } from '../types.js';
import { sha256 } from '../util/sha256.js';
import type { RunScope } from './run-scope.js';
import { userTestRecords } from './user-tests.js';

export async function writeManifest({ opts, deps, draft }: RunScope): Promise<void> {
  await deps.workspace.writeManifest(opts.outDir, {
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    command: opts.command,
    prompt: opts.prompt,
    provider: draft.provider,
    model: draft.model,
    usage: draft.usage,
    cost: draft.cost,
    files: draft.files,
    userTests: userTestRecords(opts),
  });
}

/** Files as the result lists them: path, kind, size and digest. */
export function describeFiles(files: Iterable<GeneratedFile>) {
  return [...files].map((f) => ({ path: f.path, kind: f.kind, bytes: Buffer.byteLength(f.content), sha256: sha256(f.content) }));
}
