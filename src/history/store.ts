import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database } from 'sql.js';
import type { CallRecord } from './call-record.js';
import { openHistoryDb } from './db.js';
import { acquireLock, type LockOptions } from './lock.js';

async function readBytes(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Appends rows to the history file. sql.js keeps the database in memory, so a write is: lock, re-read the
 * file (another process may have added rows since), insert, write a temp file, rename it over the old one.
 * Readers never see a half-written file, and writers never overwrite each other's rows.
 */
export async function appendCalls(path: string, records: CallRecord[], lock: LockOptions = {}): Promise<void> {
  if (records.length === 0) return;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const release = await acquireLock(`${path}.lock`, lock);
  const temp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    const db = await openHistoryDb(await readBytes(path));
    try {
      insertCalls(db, records);
      await writeFile(temp, db.export(), { mode: 0o600 });
      await rename(temp, path);
    } finally {
      db.close();
    }
  } finally {
    await rm(temp, { force: true });
    await release();
  }
}

function insertCalls(db: Database, records: CallRecord[]): void {
  const stmt = db.prepare(
    `INSERT INTO calls (at, command, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
       cost_usd, cost_source, duration_ms, outcome, error_code, round, task, prompt)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  try {
    db.run('BEGIN');
    for (const r of records) {
      stmt.run([
        Math.round(r.at),
        r.command,
        r.provider,
        r.model,
        r.usage?.inputTokens ?? 0,
        r.usage?.outputTokens ?? 0,
        r.usage?.cacheReadTokens ?? 0,
        r.usage?.cacheWriteTokens ?? 0,
        r.cost?.usd ?? null,
        r.cost?.source ?? 'unknown',
        Math.round(r.durationMs),
        r.outcome,
        r.errorCode ?? null,
        r.round ?? null,
        r.task ?? null,
        r.prompt ?? null,
      ]);
    }
    db.run('COMMIT');
  } finally {
    stmt.free();
  }
}

/**
 * Opens the history for reading (no lock needed: the file is only ever replaced whole). Null when there is
 * no history yet. The caller closes the database.
 */
export async function openHistoryForReading(path: string): Promise<Database | null> {
  const bytes = await readBytes(path);
  if (!bytes) return null;
  return openHistoryDb(bytes);
}
