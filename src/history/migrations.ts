/**
 * The history's schema, one step per version. A step is never edited once released: a change is a new step,
 * so a database written by any older ptc is brought forward, and a newer one is left alone.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: one row per LLM call
  `CREATE TABLE calls (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     command TEXT NOT NULL,
     provider TEXT NOT NULL,
     model TEXT NOT NULL,
     input_tokens INTEGER NOT NULL DEFAULT 0,
     output_tokens INTEGER NOT NULL DEFAULT 0,
     cache_read_tokens INTEGER NOT NULL DEFAULT 0,
     cache_write_tokens INTEGER NOT NULL DEFAULT 0,
     cost_usd REAL,
     cost_source TEXT NOT NULL DEFAULT 'unknown',
     duration_ms INTEGER NOT NULL DEFAULT 0,
     outcome TEXT NOT NULL,
     error_code TEXT,
     round INTEGER,
     prompt TEXT
   );
   CREATE INDEX calls_at ON calls(at);`,
  // 2: which batch task a call belonged to
  `ALTER TABLE calls ADD COLUMN task TEXT;`,
];

export const LATEST_VERSION = MIGRATIONS.length;
