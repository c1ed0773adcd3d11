import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Result } from '../report/result-schema.js';
import type { Logger, TestCase } from '../types.js';
import type { EvalTask } from './types.js';

/**
 * The smallest hook that scores hidden tests while the pipeline itself does not run them (the pipeline's
 * `userTests.hidden` and `tests.byOrigin` come with #16): after the job's run, its code files (never its own
 * tests) and the hidden tests go into a fresh local sandbox, and the counts join the result as `tests.byOrigin`.
 * A result that already has `byOrigin` is left as it is, so this steps aside once the pipeline scores them.
 */
export async function withHiddenScore(result: Result, task: EvalTask, o: { signal: AbortSignal; logger: Logger; timeoutMs: number }): Promise<Result> {
  const tests = result.tests as (Result['tests'] & { byOrigin?: unknown }) | null;
  if (!tests?.ran || tests.byOrigin || !result.outDir || o.signal.aborted) return result;
  const files: { path: string; kind: 'code' | 'test' | 'other'; content: string }[] = [];
  for (const f of result.files) {
    if (f.kind === 'test') continue;
    files.push({ path: f.path, kind: f.kind, content: await readFile(join(result.outDir, f.path), 'utf8') });
  }
  for (const h of task.hidden) files.push({ path: h.path, kind: 'test', content: h.content });

  const [{ createLocalSandbox }, { resolveLimits }, { runTestsIn }] = await Promise.all([
    import('../sandbox/local.js'),
    import('../sandbox/limits.js'),
    import('../sandbox/runner.js'),
  ]);
  const sandbox = await createLocalSandbox({ isolation: 'auto', logger: o.logger, limits: resolveLimits(undefined) });
  let hidden: TestCase[] = [];
  try {
    await sandbox.prepare(files.map((f) => ({ path: f.path, content: f.content })));
    const report = await runTestsIn(sandbox, { lang: task.lang, files, dependencies: [], timeoutMs: o.timeoutMs, signal: o.signal, logger: o.logger, network: false });
    hidden = report.cases;
  } catch (err) {
    o.logger.warn(`hidden tests of ${task.id} could not run: ${(err as Error).message}`);
  } finally {
    await sandbox.dispose();
  }
  const count = (cases: { status: string }[]) => ({
    passed: cases.filter((c) => c.status === 'passed').length,
    failed: cases.filter((c) => c.status === 'failed').length,
    errors: cases.filter((c) => c.status === 'error').length,
    skipped: cases.filter((c) => c.status === 'skipped').length,
    total: cases.length,
  });
  const generated = { passed: tests.passed, failed: tests.failed, errors: tests.errors, skipped: tests.skipped, total: tests.passed + tests.failed + tests.errors + tests.skipped };
  return { ...result, tests: { ...tests, byOrigin: { generated, acceptance: count([]), hidden: count(hidden) } } as Result['tests'] };
}
