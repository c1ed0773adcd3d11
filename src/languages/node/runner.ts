/**
 * The node test runner, for JavaScript and TypeScript: one `node --test` per test file with ptc's reporter
 * (reporter.ts), TypeScript transpiled first where node cannot strip types, packages from npm. Loaded only when
 * tests run.
 */
import type { StreamCase } from '../../sandbox/result-stream.js';
import { untrustedReason } from '../../sandbox/result-stream.js';
import {
  argPath,
  exec,
  firstLines,
  junitStatuses,
  newResultsKey,
  noReportProblem,
  OUTPUT_TAIL_BYTES,
  PTC_DIR,
  readJUnit,
  readResults,
  runnerMissing,
  shq,
  tail,
  timeoutProblem,
  untrustedProblem,
  withJUnitDetail,
  type RunCtx,
  type RunOutcome,
  type TestRunner,
} from '../../sandbox/run-context.js';
import type { TestCase } from '../../types.js';
import { prepareTypeScript, TS_SOURCE } from '../typescript/transpile.js';
import { detectJsDeps, npmName } from './deps.js';
import { nodeReporterUrl } from './reporter.js';

const JS_SOURCE = /\.(c|m)?(j|t)s$/;

const MISSING_CHECK = `
const fs = require('fs'), path = require('path');
const missing = JSON.parse(process.argv[1]).filter((name) => {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules', name, 'package.json'))) return false;
    if (path.dirname(dir) === dir) return true;
  }
});
console.log(JSON.stringify(missing));
`;

/** What the run needs after TypeScript was transpiled: the file node runs for each test file, and its flags. */
interface NodePrepared {
  runPaths: Map<string, string>;
  nodeFlags: string[];
  compileErrors: string[];
}

export const nodeRunner: TestRunner = {
  name: 'node --test',
  isSource: (path) => JS_SOURCE.test(path),
  isTestFile: (path) => JS_SOURCE.test(path) && !path.endsWith('.d.ts'),
  testFilePattern: '*.test.js / *.test.ts',
  noTestsCollected: 'no tests were collected: the test files register no tests (`test(...)` from node:test)',
  async prepare(ctx, sources, testFiles) {
    if (!sources.some((s) => TS_SOURCE.test(s.path))) return { sources };
    const ts = await prepareTypeScript(ctx.sandbox, ctx.logger, sources, testFiles);
    const state: NodePrepared = { runPaths: ts.runPaths, nodeFlags: ts.nodeFlags, compileErrors: ts.compileErrors };
    return { sources: ts.jsSources, state };
  },
  dependencies: async (sources, declared) => detectJsDeps(sources, declared),
  packages: {
    nameOf: npmName,
    missingCheck: (deps) => `node -e ${shq(MISSING_CHECK)} ${shq(JSON.stringify(deps.map(npmName)))}`,
    installCommand: (missing) =>
      `npm install --no-save --no-audit --no-fund --no-package-lock --loglevel=error ${missing.map(shq).join(' ')}`,
    installedEnv: {},
    noSuchPackage: /E404|404 Not Found|is not in this registry/i,
  },
  run: (ctx, { testFiles, env, prepared }) => {
    const state = (prepared.state as NodePrepared | undefined) ?? { runPaths: new Map(), nodeFlags: [], compileErrors: [] };
    return runNodeTests(ctx, testFiles, state, env);
  },
  reportPaths: (testFiles) => testFiles.map((_f, i) => junitPathOf(i)),
};

function junitPathOf(i: number): string {
  return `${PTC_DIR}/junit-${i}.xml`;
}

async function runNodeTests(
  ctx: RunCtx,
  testFiles: string[],
  { runPaths, nodeFlags, compileErrors }: NodePrepared,
  env: Record<string, string>,
): Promise<RunOutcome> {
  const cases: TestCase[] = [];
  const outputs: string[] = [];
  const problems: string[] = [];
  let untrusted = false;
  // One node per test file: node 20's JUnit report does not say which file a case came from.
  for (const [i, file] of testFiles.entries()) {
    const junitPath = junitPathOf(i);
    const cmd =
      `rm -f ${junitPath}; exec node ${nodeFlags.join(' ')} --test --test-reporter=junit ` +
      `--test-reporter-destination=${junitPath} --test-reporter=spec --test-reporter-destination=stdout ` +
      `--test-reporter=${shq(nodeReporterUrl())} --test-reporter-destination=stderr ` +
      argPath(runPaths.get(file) ?? file);
    const key = await newResultsKey(ctx);
    const res = await exec(ctx, cmd, 'run node --test', env, true);
    if (res.exitCode === 127) throw runnerMissing('node', res, 'install Node.js 20 or newer, or use --sandbox daytona');
    const { stream, runnerOutput: out } = readResults(res, key);
    outputs.push(out);
    if (res.timedOut) {
      problems.push(timeoutProblem(ctx));
      break;
    }
    const junit = await readJUnit(ctx, junitPath, { flavor: 'node', file });
    const fileCases = stream.cases.flatMap((c) => toNodeCase(c, file, out, junit, compileErrors));
    cases.push(...fileCases);
    const distrust = untrustedReason(stream, { runner: 'node', exitCode: res.exitCode, junit: junitStatuses(junit) });
    if (distrust) {
      untrusted = true;
      problems.push(untrustedProblem(`${distrust} (${file})`));
    } else if (!stream.ended && fileCases.length === 0) {
      problems.push(noReportProblem(`node --test ${file}`, res, tail(out, OUTPUT_TAIL_BYTES)));
    }
  }
  return {
    cases,
    problem: problems.length > 0 ? problems.join('\n') : null,
    output: tail(outputs.join('\n'), OUTPUT_TAIL_BYTES),
    untrusted,
  };
}

/** Node failure types that mean the test's own code failed; the others (hooks, cancellation) are errors. */
const NODE_TEST_FAILURES = new Set(['testCodeFailure', 'testTimeoutFailure']);

/** A streamed node case as a TestCase; a file that registered no tests is reported by node as a passing "test". */
function toNodeCase(c: StreamCase, file: string, output: string, junit: TestCase[] | null, compileErrors: string[]): TestCase[] {
  if (c.fileLevel) {
    if (c.status !== 'failed') return [];
    // A file that does not compile is the likely reason one did not load: the compiler's words come first.
    const excerpt = errorExcerpt(output) ?? 'the test file failed to load or exited before its tests finished (see the output)';
    const message = [...compileErrors, excerpt].join('\n');
    return [{ name: file, file, status: 'error', durationMs: c.durationMs, message }];
  }
  const status = c.status === 'failed' && c.failureType !== null && !NODE_TEST_FAILURES.has(c.failureType) ? 'error' : c.status;
  const message = c.status === 'passed' ? null : firstLines(c.message, 20);
  return [withJUnitDetail({ name: c.name, file, status, durationMs: c.durationMs, message }, junit)];
}

/** The first error a crashed test file printed, without node's internal frames. */
function errorExcerpt(output: string): string | null {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /^(\w+)?(Error|Exception)\b|^\w+Error \[/.test(l.trim()));
  if (start < 0) return null;
  const picked: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.trim() === '' || picked.length >= 10) break;
    if (/^\s*at .*(node:|internal\/)/.test(line)) continue;
    picked.push(line.trimEnd());
  }
  return picked.join('\n');
}
