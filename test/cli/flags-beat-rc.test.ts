import { expect, it } from 'vitest';
import { PRIME_REPLY } from '../examples/replies.js';
import { useFakeCli } from './with-fake.js';

const cli = useFakeCli({
  env: { MOONSHOT_API_KEY: 'sk-test-canary-flags-0001' },
  // What `ptc config init` writes: tests run and one repair round.
  setup: (sb, fake) => sb.write('.ptcrc.json', JSON.stringify({ provider: 'kimi', run: true, fix: 1, providers: { kimi: { baseURL: fake.url } } })),
});

it('--no-run beats an rc file\'s fix: files are written, repair is off, and a note says why', async () => {
  cli.fake.enqueue({ text: PRIME_REPLY });
  const r = await cli.run(['generate', 'a prime check', '--no-run', '--out', 'gen', '--json']);
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout);
  expect(result).toMatchObject({ ok: true, tests: null });
  expect(result.warnings.join('\n')).toMatch(/repair is off: tests do not run, so fix: 1 \(.*\.ptcrc\.json.*\) does not apply/);
  expect(r.stderr).toContain('repair is off');
});

it('--fix given with --no-run is still a contradiction (exit 2, nothing paid)', async () => {
  const before = cli.fake.requests.length;
  const r = await cli.run(['generate', 'a prime check', '--no-run', '--fix', '2']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--fix needs --run');
  expect(r.stdout).toBe('');
  expect(cli.fake.requests.length).toBe(before);
});
