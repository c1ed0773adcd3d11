import { describe, expect, it } from 'vitest';
import { useFakeCli } from '../cli/with-fake.js';

/** Retirement dates and temperature support come from the catalog and act where the model is resolved. */

const KEY = 'sk-test-canary-retire-93ab';
const REPLY = ['Here it is.', '', '```python path=hello.py', 'def hello():', '    return "hi"', '```'].join('\n');

const cli = useFakeCli({ env: { OPENAI_API_KEY: KEY, MOONSHOT_API_KEY: KEY }, clearRequests: true });

const generate = (args: string[], now: string) =>
  cli.run(['generate', 'say hi', '--base-url', cli.fake.url, '--no-run', '--force', '--out', 'out', '--json', ...args], {
    env: { PTC_NOW: now },
  });

describe('a model near or past its retirement', () => {
  it('within 30 days: warns once on stderr and in the result, names the replacement, and still calls', async () => {
    cli.fake.enqueue({ text: REPLY });
    const r = await generate(['-p', 'openai', '-m', 'gpt-5-mini'], '2026-11-30T10:00:00Z');
    expect(r.code, r.stderr).toBe(0);
    const line = 'gpt-5-mini retires on 2026-12-11 (in 11 days): use gpt-5.4-mini';
    expect(r.stderr.split(line)).toHaveLength(2);
    expect(JSON.parse(r.stdout).warnings).toContain(line);
    expect(cli.fake.requests).toHaveLength(1);
  });

  it('past its date: fails before any call, exit 2, the replacement in the hint', async () => {
    const r = await generate(['-p', 'openai', '-m', 'gpt-5'], '2026-12-11T00:00:01Z');
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error).toMatchObject({ code: 'model_retired', message: 'gpt-5 was retired by its provider on 2026-12-11' });
    expect(doc.error.hint).toContain('--model gpt-5.4');
    expect(cli.fake.requests).toHaveLength(0);
  });

  it('a model the catalog marks retired fails the same way, whatever the date, in plain text too', async () => {
    const r = await cli.run(['generate', 'say hi', '-p', 'anthropic', '-m', 'claude-3-5-sonnet-20241022', '--base-url', cli.fake.origin, '--no-run'], {
      env: { ANTHROPIC_API_KEY: KEY, PTC_NOW: '2020-01-01' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('claude-3-5-sonnet-20241022 was retired by its provider');
    expect(r.stderr).toContain('hint: pass --model claude-sonnet-4-6');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(cli.fake.requests).toHaveLength(0);
  });
});

describe('temperature from the catalog', () => {
  it('is sent to a model listed as taking one, and left out for one listed as fixed', async () => {
    cli.fake.enqueue({ text: REPLY }, { text: REPLY });
    expect((await generate(['-p', 'kimi', '-m', 'moonshot-v1-8k', '--temperature', '0.3'], '2026-11-30')).code).toBe(0);
    expect((await generate(['-p', 'kimi', '-m', 'kimi-k2.6', '--temperature', '0.3'], '2026-11-30')).code).toBe(0);
    expect(cli.fake.requests[0]!.body.temperature).toBe(0.3);
    expect(cli.fake.requests[1]!.body).not.toHaveProperty('temperature');
  });
});
