import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fixture projects hold test files of their own, run by the sandbox tests, not by vitest.
    exclude: ['test/fixtures/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most tests wait on child processes and sockets, not the CPU: on a 2-core runner vitest's default (one
    // worker per core minus one) leaves the machine idle. On 2 cores, 1015 tests: three workers 246 s, four 222 s.
    maxWorkers: 4,
    // Tests run the built CLI: build it first so a run can never test a stale dist/.
    globalSetup: ['test/setup/build-dist.ts'],
  },
});
