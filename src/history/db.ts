import type { Database, SqlJsStatic } from 'sql.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';

let sqlJs: Promise<SqlJsStatic> | null = null;

/** sql.js (SQLite compiled to WASM) is loaded on first use only: most commands never touch the history. */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= import('sql.js').then((m) => (m.default as unknown as () => Promise<SqlJsStatic>)());
  return sqlJs;
}

export class HistoryTooNewError extends Error {
  constructor(readonly version: number) {
    super(`the history database is at schema version ${version}, newer than this ptc knows (${LATEST_VERSION})`);
    this.name = 'HistoryTooNewError';
  }
}

/** Opens a database from its file's bytes (null: a new one) and brings its schema up to date. */
export async function openHistoryDb(bytes: Uint8Array | null): Promise<Database> {
  const SQL = await loadSqlJs();
  const db = bytes && bytes.length > 0 ? new SQL.Database(bytes) : new SQL.Database();
  migrate(db);
  return db;
}

export function schemaVersion(db: Database): number {
  db.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const rows = db.exec('SELECT MAX(version) FROM schema_version');
  const v = rows[0]?.values[0]?.[0];
  return typeof v === 'number' ? v : 0;
}

function migrate(db: Database): void {
  const current = schemaVersion(db);
  if (current > LATEST_VERSION) throw new HistoryTooNewError(current);
  for (let v = current + 1; v <= LATEST_VERSION; v++) {
    db.run('BEGIN');
    try {
      db.run(MIGRATIONS[v - 1]!);
      db.run('INSERT INTO schema_version (version) VALUES (?)', [v]);
      db.run('COMMIT');
    } catch (err) {
      db.run('ROLLBACK');
      throw err;
    }
  }
}
