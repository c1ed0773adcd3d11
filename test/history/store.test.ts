import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHistoryDb, schemaVersion } from '../../src/history/db.js';
import { acquireLock } from '../../src/util/lock.js';
import { LATEST_VERSION, MIGRATIONS } from '../../src/history/migrations.js';
import { historyPath } from '../../src/history/paths.js';
import { HistoryRecorder } from '../../src/history/recorder.js';
import { appendCalls, openHistoryForReading } from '../../src/history/store.js';
import type { CallRecord } from '../../src/history/call-record.js';
import { silentLogger } from '../../src/types.js';
import { ROOT } from '../cli/harness.js';

let dir: string;
let db: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ptc-history-'));
  db = join(dir, 'ptc', 'history.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const call = (over: Partial<CallRecord> = {}): CallRecord => ({
  at: Date.parse('2026-11-20T10:00:00Z'),
  command: 'generate',
  provider: 'openai',
  model: 'gpt-x',
  usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 1 },
  cost: { usd: 0.001, source: 'catalog' },
  durationMs: 1234,
  outcome: 'ok',
  round: 0,
  ...over,
});

async function rows(path: string): Promise<Record<string, unknown>[]> {
  const d = (await openHistoryForReading(path))!;
  try {
    const res = d.exec('SELECT * FROM calls ORDER BY id')[0];
    return res ? res.values.map((v) => Object.fromEntries(res.columns.map((c, i) => [c, v[i]]))) : [];
  } finally {
    d.close();
  }
}

describe('history store', () => {
  it('lives under $XDG_DATA_HOME/ptc, else ~/.local/share/ptc', () => {
    expect(historyPath({ XDG_DATA_HOME: '/x/data', HOME: '/h' })).toBe('/x/data/ptc/history.sqlite');
    expect(historyPath({ HOME: '/h' })).toBe('/h/.local/share/ptc/history.sqlite');
  });

  it('writes every field of a call and reads it back', async () => {
    await appendCalls(db, [call(), call({ outcome: 'error', errorCode: 'rate_limited', usage: null, cost: null, task: 't1', command: 'batch' })]);
    const got = await rows(db);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      command: 'generate', provider: 'openai', model: 'gpt-x', input_tokens: 10, output_tokens: 5, cache_read_tokens: 2,
      cache_write_tokens: 1, cost_usd: 0.001, cost_source: 'catalog', duration_ms: 1234, outcome: 'ok', prompt: null, task: null,
    });
    expect(got[1]).toMatchObject({ outcome: 'error', error_code: 'rate_limited', cost_usd: null, cost_source: 'unknown', input_tokens: 0, task: 't1' });
  });

  it('brings an older database forward, keeping its rows, and records each version', async () => {
    // A database as the first release wrote it: migration 1 only.
    const SQL = await initSqlJs();
    const old = new SQL.Database();
    old.run('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    old.run(MIGRATIONS[0]!);
    old.run('INSERT INTO schema_version VALUES (1)');
    old.run("INSERT INTO calls (at, command, provider, model, outcome) VALUES (1, 'generate', 'kimi', 'k2', 'ok')");
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'ptc'));
    writeFileSync(db, old.export());

    await appendCalls(db, [call({ task: 'new' })]);
    const d = (await openHistoryForReading(db))!;
    expect(schemaVersion(d)).toBe(LATEST_VERSION);
    expect(d.exec('SELECT version FROM schema_version ORDER BY version')[0]!.values.flat()).toEqual([1, 2]);
    d.close();
    expect((await rows(db)).map((r) => [r.provider, r.task])).toEqual([['kimi', null], ['openai', 'new']]);
  });

  it('refuses a database from a newer ptc rather than damaging it', async () => {
    const SQL = await initSqlJs();
    const future = new SQL.Database();
    future.run('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    future.run(`INSERT INTO schema_version VALUES (${LATEST_VERSION + 1})`);
    await expect(openHistoryDb(future.export())).rejects.toThrow(/newer than this ptc knows/);
  });

  it('takes over a lock left by a process that died, and waits for a live one', async () => {
    const lock = join(dir, 'x.lock');
    writeFileSync(lock, '999999 long ago\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const release = await acquireLock(lock, { staleMs: 10_000 });
    await expect(acquireLock(lock, { timeoutMs: 200 })).rejects.toThrow(/another ptc process holds it/);
    await release();
    await (await acquireLock(lock, { timeoutMs: 200 }))();
  });

  it('appends go to a journal, folded into the database by a reader or once the journal grows large', async () => {
    const { existsSync } = await import('node:fs');
    await appendCalls(db, [call({ task: 'a' })]);
    expect(existsSync(`${db}.journal`)).toBe(true);
    expect(existsSync(db)).toBe(false);
    await appendCalls(db, [call({ task: 'big', prompt: 'x'.repeat(300 * 1024) })]);
    expect(existsSync(`${db}.journal`)).toBe(false);
    expect(existsSync(db)).toBe(true);
    expect((await rows(db)).map((r) => r.task)).toEqual(['a', 'big']);
  });

  it('concurrent writers in separate processes lose no rows', async () => {
    const writers = 4;
    const each = 25;
    const script = `
      const { appendCalls } = await import(${JSON.stringify(join(ROOT, 'dist/history/store.js'))});
      for (let i = 0; i < ${each}; i++) {
        await appendCalls(process.argv[1], [{ at: Date.now(), command: 'w' + process.argv[2], provider: 'p', model: 'm',
          usage: null, cost: null, durationMs: i, outcome: 'ok' }]);
      }`;
    const run = (n: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, db, String(n)], { stdio: 'inherit' });
        child.on('close', resolve);
      });
    const codes = await Promise.all(Array.from({ length: writers }, (_, n) => run(n)));
    expect(codes).toEqual(Array(writers).fill(0));
    const got = await rows(db);
    expect(got).toHaveLength(writers * each);
    for (let n = 0; n < writers; n++) expect(got.filter((r) => r.command === `w${n}`)).toHaveLength(each);
  }, 60_000);

  it('the recorder keeps prompts only when asked, scrubbed of secrets, and never the key', async () => {
    const secret = 'sk-test-canary-history-1234';
    const scrub = (t: string) => t.split(secret).join('[redacted]');
    const without = new HistoryRecorder({ path: db, command: 'generate', prompts: false, scrub, logger: silentLogger });
    without.record(call({ prompt: 'make a thing' }));
    await without.flush();
    const withPrompts = new HistoryRecorder({ path: db, command: 'generate', prompts: true, scrub, logger: silentLogger });
    withPrompts.record(call({ prompt: `use key ${secret} to make a thing`, command: '' }));
    await withPrompts.flush();
    const got = await rows(db);
    expect(got.map((r) => r.prompt)).toEqual([null, 'use key [redacted] to make a thing']);
    expect(got[1]!.command).toBe('generate');
    expect(readFileSync(db).includes(secret)).toBe(false);
  });

  it('a failed write is one warning, never an exception', async () => {
    writeFileSync(join(dir, 'ptc'), 'a file where the folder should be');
    const warnings: string[] = [];
    const r = new HistoryRecorder({ path: db, command: 'generate', prompts: false, scrub: (t) => t, logger: { ...silentLogger, warn: (m) => warnings.push(m) } });
    r.record(call());
    await r.flush();
    r.record(call());
    await r.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('--no-history');
  });
});
