import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { useFakeCli } from './with-fake.js';

const KEY = 'sk-test-canary-history-31415926';
const REPLY = '```python path=m.py\nx = 1\n```\n\n```python path=test_m.py\nfrom m import x\n\ndef test_x():\n    assert x == 1\n```\n';

const cli = useFakeCli({
  fake: { default: { text: REPLY, usage: { prompt: 1000, completion: 200, cost: 0.0123 }, usageShape: 'openrouter-with-cost' } },
  env: { OPENROUTER_API_KEY: KEY },
});

const gen = (extra: string[]) => ['generate', 'a module', '--provider', 'openrouter', '--base-url', cli.fake.url, '--out', `o${Math.random()}`, ...extra];

it('every generate call lands in the history, and ptc usage reports it; --no-history records nothing', async () => {
  const db = join(cli.sb.dir, 'data', 'ptc', 'history.sqlite');
  const journal = `${db}.journal`;
  const skipped = await cli.run(gen(['--no-history']));
  expect(skipped.code).toBe(0);
  expect(existsSync(journal) || existsSync(db)).toBe(false);

  // A run appends its calls to the journal; reading the history folds them into the SQLite file.
  for (let i = 0; i < 2; i++) expect((await cli.run(gen([]))).code).toBe(0);
  expect(readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(2);
  expect(readFileSync(journal, 'utf8')).not.toContain(KEY);

  const r = await cli.run(['usage', '--by', 'provider', '--json']);
  expect(existsSync(journal)).toBe(false);
  expect(readFileSync(db).includes(Buffer.from(KEY))).toBe(false);
  expect(r.code).toBe(0);
  const text = JSON.stringify(JSON.parse(r.stdout));
  expect(text).toContain('openrouter');
  expect(text).toMatch(/"calls":2/);
  expect(text).toContain('0.0246');
});

it('calls made through the MCP and HTTP front ends are recorded under their names', async () => {
  const { runAgentRequest } = await import('../../src/app/agent-run.js');
  const { openHistoryForReading } = await import('../../src/history/store.js');
  const { historyPath } = await import('../../src/history/paths.js');
  const silent = { info() {}, warn() {}, debug() {}, progress() {} };
  for (const historyCommand of ['mcp', 'serve'] as const) {
    const run = await runAgentRequest(
      { command: 'generate', prompt: 'a module', replyText: null, runDir: null, options: { provider: 'openrouter', baseUrl: cli.fake.url, out: `o-${historyCommand}` } },
      { root: cli.sb.cwd, env: cli.sb.env, logger: silent, addSecret() {}, scrub: (t) => t, historyCommand },
    );
    expect(run.result.exitCode).toBe(0);
  }
  const db = await openHistoryForReading(historyPath(cli.sb.env));
  const rows = db!.exec('SELECT command, provider FROM calls ORDER BY at')[0]!.values;
  expect(rows).toEqual([
    ['mcp', 'openrouter'],
    ['serve', 'openrouter'],
  ]);
});
