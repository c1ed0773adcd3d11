import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyPath } from '../../src/history/paths.js';
import { appendCalls, openHistoryForReading } from '../../src/history/store.js';
import { parseSince, spendBy, sumRows } from '../../src/history/usage-query.js';
import type { CallRecord } from '../../src/history/call-record.js';
import { ptc } from '../batch/helpers.js';

let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ptc-usage-'));
  env = { PATH: process.env.PATH, HOME: join(dir, 'home'), XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const now = Date.now();
const call = (over: Partial<CallRecord>): CallRecord => ({
  at: now,
  command: 'generate',
  provider: 'openrouter',
  model: 'm1',
  usage: { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 },
  cost: { usd: 0.5, source: 'provider' },
  durationMs: 10,
  outcome: 'ok',
  ...over,
});

async function seed(): Promise<void> {
  await appendCalls(historyPath(env), [
    call({ at: now - 10 * DAY }), // outside --since 7d
    call({ at: now - 2 * DAY }),
    call({ at: now - 1 * DAY, provider: 'kimi', model: 'k2', cost: { usd: 0.25, source: 'catalog' } }),
    call({ provider: 'kimi', model: 'k2', cost: { usd: null, source: 'unknown' } }),
    call({ provider: 'kimi', model: 'k2', usage: null, cost: null, outcome: 'error', errorCode: 'rate_limited' }),
  ]);
}

describe('usage aggregation', () => {
  it('reads durations and dates for --since', () => {
    expect(parseSince('7d', 1_000 * DAY)).toBe(993 * DAY);
    expect(parseSince('24h', 10 * DAY)).toBe(9 * DAY);
    expect(parseSince('2026-11-01')).toBe(new Date(2026, 10, 1).getTime());
    expect(() => parseSince('last tuesday')).toThrow(/--since/);
  });

  it('sums spend and tokens by provider, splitting reported from estimated dollars', async () => {
    await seed();
    const d = (await openHistoryForReading(historyPath(env)))!;
    const rows = spendBy(d, 'provider', now - 7 * DAY - 1000);
    d.close();
    // kimi's unpriced call makes its dollars unknown: $0.25 would pass for its whole spend.
    expect(rows.map((r) => [r.key, r.calls, r.cost.usd, r.cost.source])).toEqual([
      ['openrouter', 1, 0.5, 'provider'],
      ['kimi', 3, null, 'unknown'],
    ]);
    const kimi = rows[1]!;
    expect(kimi).toMatchObject({ failedCalls: 1, cost: { providerUsd: 0, catalogUsd: 0.25, unpricedCalls: 1 }, usage: { inputTokens: 200, outputTokens: 20 } });
    expect(sumRows(rows)).toMatchObject({ calls: 4, cost: { usd: null, source: 'unknown', providerUsd: 0.5, catalogUsd: 0.25 } });
  });

  it('labels a total that mixes billed and estimated dollars as an estimate', async () => {
    await seed();
    const d = (await openHistoryForReading(historyPath(env)))!;
    const rows = spendBy(d, 'day', now - 7 * DAY - 1000);
    d.close();
    expect(rows.map((r) => r.cost)).toEqual([
      { usd: 0.5, source: 'provider', providerUsd: 0.5, catalogUsd: 0, unpricedCalls: 0 },
      { usd: 0.25, source: 'catalog', providerUsd: 0, catalogUsd: 0.25, unpricedCalls: 0 },
      { usd: null, source: 'unknown', providerUsd: 0, catalogUsd: 0, unpricedCalls: 1 },
    ]);
    expect(sumRows(rows.slice(0, 2)).cost).toMatchObject({ usd: 0.75, source: 'catalog' });
    expect(sumRows(rows.slice(0, 1)).cost).toMatchObject({ usd: 0.5, source: 'provider' });
  });

  it('groups by local day, oldest first', async () => {
    await seed();
    const d = (await openHistoryForReading(historyPath(env)))!;
    const rows = spendBy(d, 'day', null);
    d.close();
    const day = (t: number) => new Date(t).toLocaleDateString('sv'); // YYYY-MM-DD in local time
    expect(rows.map((r) => r.key)).toEqual([day(now - 10 * DAY), day(now - 2 * DAY), day(now - DAY), day(now)]);
    expect(rows.at(-1)!.calls).toBe(2);
  });

  it('ptc usage prints the table and the provider/catalog split; --json the same numbers', async () => {
    await seed();
    const text = await ptc(['usage', '--since', '7d', '--by', 'model'], { cwd: dir, env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/openrouter\/m1\s+1\s+100\s+10\s+0\s+\$0\.50\b/);
    expect(text.stdout).toMatch(/total\s+4\s+.*unknown$/m);
    expect(text.stdout).toContain('$0.50 reported by providers, $0.25 estimated from the price catalog');
    expect(text.stdout).toContain('cost unknown: 1 call(s) had no known price');
    expect(text.stdout).toMatch(/since \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/);
    const json = JSON.parse((await ptc(['usage', '--since', '7d', '--json'], { cwd: dir, env })).stdout);
    expect(json).toMatchObject({ schemaVersion: 1, by: 'day', total: { calls: 4, cost: { usd: null, source: 'unknown', providerUsd: 0.5, catalogUsd: 0.25 } } });
  });

  it('says so when there is no history yet, and rejects a bad --by', async () => {
    const empty = await ptc(['usage'], { cwd: dir, env });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('no LLM calls recorded');
    const bad = await ptc(['usage', '--by', 'week'], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--by must be one of day, provider, model');
  });
});
