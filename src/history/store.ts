import { appendFile, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database } from 'sql.js';
import type { CallRecord } from './call-record.js';
import { openHistoryDb } from './db.js';
import { acquireLock, type LockOptions } from '../util/lock.js';
import { makeDirs } from '../util/make-dirs.js';

async function readBytes(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Calls are appended here first; the SQLite file takes them in when it is next read or the journal grows. */
export function journalPath(path: string): string {
  return `${path}.journal`;
}

/** A history write takes milliseconds: a lock held this long belongs to a process that hung or died. */
const HISTORY_LOCK = { staleMs: 10_000 } as const;

/** Past this size an append folds the journal into the database, so it never grows without bound. */
const FOLD_AT_BYTES = 256 * 1024;

/**
 * Records calls. sql.js keeps a database in memory and writes it back whole, which costs the WASM start-up
 * and a rewrite of the file; a run that made one model call should not pay that. So an append is one line of
 * JSON per call added to a journal under the lock (cheap, and no two writers interleave), and the journal is
 * folded into the database by readers (`ptc usage`) and by any append that finds it large.
 */
export async function appendCalls(path: string, records: CallRecord[], lock: LockOptions = {}): Promise<void> {
  if (records.length === 0) return;
  await makeDirs(dirname(path), 0o700);
  const release = await acquireLock(`${path}.lock`, { ...HISTORY_LOCK, ...lock });
  let size = 0;
  try {
    await appendFile(journalPath(path), records.map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600 });
    size = (await stat(journalPath(path))).size;
  } finally {
    await release();
  }
  if (size > FOLD_AT_BYTES) await foldJournal(path, lock);
}

/**
 * Moves the journal's calls into the database: lock, re-read the file (another process may have changed it),
 * insert, write a temp file, rename it over the old one, then drop the journal. Readers never see a
 * half-written file, and writers never lose each other's rows.
 */
export async function foldJournal(path: string, lock: LockOptions = {}): Promise<void> {
  const journal = journalPath(path);
  const release = await acquireLock(`${path}.lock`, { ...HISTORY_LOCK, ...lock });
  const temp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    const records = parseJournal(await readText(journal));
    if (records.length === 0) return;
    const db = await openHistoryDb(await readBytes(path));
    try {
      insertCalls(db, records);
      await writeFile(temp, db.export(), { mode: 0o600 });
      await rename(temp, path);
    } finally {
      db.close();
    }
    await rm(journal, { force: true });
  } finally {
    await rm(temp, { force: true });
    await release();
  }
}

async function readText(path: string): Promise<string | null> {
  const bytes = await readBytes(path);
  return bytes ? Buffer.from(bytes).toString('utf8') : null;
}

/** The journal's records; a line cut short by a crash mid-append is skipped, not fatal. */
function parseJournal(text: string | null): CallRecord[] {
  if (!text) return [];
  const records: CallRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as CallRecord);
    } catch {
      // skip
    }
  }
  return records;
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
 * Opens the history for reading, with the journal folded in first. Where it cannot be folded (a read-only
 * data folder, a lock held too long) the journal's calls are added to the in-memory copy instead. Null when
 * there is no history yet. The caller closes the database.
 */
export async function openHistoryForReading(path: string): Promise<Database | null> {
  let pending: CallRecord[] = [];
  try {
    await foldJournal(path, { timeoutMs: 5000 });
  } catch {
    pending = parseJournal(await readText(journalPath(path)).catch(() => null));
  }
  const bytes = await readBytes(path);
  if (!bytes && pending.length === 0) return null;
  const db = await openHistoryDb(bytes);
  if (pending.length > 0) insertCalls(db, pending);
  return db;
}
