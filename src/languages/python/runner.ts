/**
 * Python's test runner: pytest with ptc's results plugin (reporter.ts), packages checked against the sandbox's
 * python and installed with pip into .ptc/site. Loaded only when tests run.
 */
import type { StreamCase } from '../../sandbox/result-stream.js';
import { untrustedReason } from '../../sandbox/result-stream.js';
import {
  argPath,
  exec,
  firstLines,
  isBad,
  junitStatuses,
  lastLines,
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
import type { ExecResult, PytestPluginPolicy, TestCase } from '../../types.js';
import { detectPythonDeps, normalizePackageName, pythonModuleForPackage, requirementName } from './deps.js';
import { withPytestPlugins } from './pytest-plugins.js';
import { PYTEST_BOOTSTRAP } from './reporter.js';

const PY_JUNIT = `${PTC_DIR}/junit.xml`;
const PY_SITE = `${PTC_DIR}/site`;

const NO_TESTS = 'no tests were collected: pytest found no test functions (names must start with `test`)';

const MISSING_CHECK = `
import sys, json, importlib.metadata as md, importlib.util as iu
missing = []
for pkg, mod in json.loads(sys.argv[1]):
    ok = False
    try:
        md.distribution(pkg); ok = True
    except Exception:
        pass
    if not ok:
        try:
            ok = iu.find_spec(mod) is not None
        except Exception:
            ok = False
    if not ok:
        missing.append(pkg)
print(json.dumps(missing))
`;

/**
 * The interpreter, as the sandbox's shell expands it: the local sandbox sets PTC_PYTHON to the python it chose
 * (`local.python`, or the first on PATH with pytest); elsewhere (Daytona) it is the image's python3.
 */
const PY = '"${PTC_PYTHON:-python3}"';

export const pythonRunner: TestRunner = {
  name: 'pytest',
  isSource: (path) => path.endsWith('.py'),
  isTestFile: (path) => path.endsWith('.py'),
  testFilePattern: 'test_*.py',
  noTestsCollected: NO_TESTS,
  dependencies: async (sources, declared) => withPytestPlugins(await detectPythonDeps(sources, declared), sources),
  packages: {
    nameOf: requirementName,
    // What the sandbox already has (the host python's site-packages in the local sandbox) needs no install.
    missingCheck: (deps) =>
      `${PY} -c ${shq(MISSING_CHECK)} ${shq(JSON.stringify(deps.map((d) => [requirementName(d), pythonModuleForPackage(d)])))}`,
    installCommand: (missing) =>
      `${PY} -m pip install --quiet --no-input --disable-pip-version-check --target ${PY_SITE} ${missing.map(shq).join(' ')}`,
    installedEnv: { PYTHONPATH: PY_SITE },
    noSuchPackage: /No matching distribution found|Could not find a version/i,
  },
  run: (ctx, { testFiles, env, deps, keepGoing }) => runPytest(ctx, testFiles, env, deps, Boolean(keepGoing)),
  // Daytona's default image has no pytest: put it where the tests will look (.ptc/site) before the reply is in.
  warmUp: async (ctx) => {
    if (!ctx.input.network) return;
    const res = await exec(ctx, `python3 -c 'import pytest' 2>/dev/null || ${PIP_PYTEST}`, 'install pytest', SITE_ENV);
    if (res.exitCode !== 0) ctx.logger.debug(`installing pytest ahead of the tests failed (exit ${res.exitCode}); the run tries again`);
  },
  reportPaths: () => [PY_JUNIT],
};

const PIP_PYTEST = `python3 -m pip install --quiet --no-input --target ${PY_SITE} pytest`;
/** Where a sandbox with network has the packages ptc installed (pytest among them) in view. */
const SITE_ENV = { PYTHONPATH: PY_SITE };

/**
 * The pytest command: ptc's bootstrap (reporter.ts) runs pytest with its results plugin. By default only the
 * plugins of the code's own packages load: a plugin that merely happens to be installed for the host's python
 * (pytest-randomly reordering tests, pytest-django refusing to run outside a Django project, hypothesis' and
 * pytest-benchmark's start-up) would change the result or its cost, and the same tests must behave alike in the
 * local sandbox and in a fresh Daytona one.
 */
function pytestCommand(testFiles: string[], deps: string[], plugins: PytestPluginPolicy, keepGoing: boolean): { cmd: string; env: Record<string, string> } {
  // xunit1 puts file and line on every case; -p no:cacheprovider keeps pytest from writing .pytest_cache.
  // A collection error stops a pytest session before any test runs, unless told to go on.
  const args =
    `-q -p no:cacheprovider --rootdir=. --junitxml=${PY_JUNIT} -o junit_family=xunit1 ` +
    (keepGoing ? '--continue-on-collection-errors ' : '') +
    testFiles.map(argPath).join(' ');
  const all = plugins === 'all';
  const dists = all ? null : [...new Set(deps.map((d) => normalizePackageName(requirementName(d))))];
  const cmd = `rm -f ${PY_JUNIT}; exec ${PY} -c ${shq(PYTEST_BOOTSTRAP)} ${shq(JSON.stringify(dists))} ${args}`;
  return { cmd, env: all ? {} : { PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' } };
}

async function runPytest(ctx: RunCtx, testFiles: string[], baseEnv: Record<string, string>, deps: string[], keepGoing: boolean): Promise<RunOutcome> {
  const plugins = ctx.input.pytestPlugins ?? 'used';
  const pytest = pytestCommand(testFiles, deps, plugins, keepGoing);
  const cmd = pytest.cmd;
  // With network (Daytona), what ptc installed earlier in this sandbox (pytest, before the reply came) is in view.
  let env = { ...(ctx.input.network ? SITE_ENV : {}), ...baseEnv, ...pytest.env };
  let key = await newResultsKey(ctx);
  let res = await exec(ctx, cmd, 'run pytest', env, true);
  if (!res.timedOut && isMissingPytest(res)) {
    // A fresh Daytona image may lack pytest: with network, install it next to the other packages and retry.
    if (!ctx.input.network) throw missing('pytest', res, ctx);
    ctx.input.onPhase?.('installing');
    const pip = await exec(ctx, PIP_PYTEST, 'install pytest');
    if (pip.exitCode !== 0) throw missing('pytest', pip, ctx);
    ctx.input.onPhase?.('running');
    env = { ...env, PYTHONPATH: PY_SITE };
    key = await newResultsKey(ctx);
    res = await exec(ctx, cmd, 'run pytest', env, true);
  }
  if (res.exitCode === 127) throw missing('python3', res, ctx);
  const { stream, runnerOutput } = readResults(res, key);
  const output = tail(runnerOutput, OUTPUT_TAIL_BYTES);
  if (res.timedOut) return { cases: [], problem: timeoutProblem(ctx), output };
  const junit = await readJUnit(ctx, PY_JUNIT, { flavor: 'pytest' });
  const cases = stream.cases.map((c) => withJUnitDetail(toPytestCase(c), junit));
  const distrust = untrustedReason(stream, { runner: 'pytest', exitCode: res.exitCode, junit: junitStatuses(junit) });
  if (distrust) return { cases, problem: untrustedProblem(distrust), untrusted: true, output };
  let problem: string | null = null;
  if (res.exitCode === 5 || cases.length === 0) {
    problem = res.exitCode === 5 || stream.ended ? NO_TESTS : noReportProblem('pytest', res, output);
  } else if (res.exitCode !== 0 && res.exitCode !== 1 && res.exitCode !== 2 && !cases.some(isBad)) {
    problem = `pytest exited with code ${res.exitCode} although no test failed:\n${lastLines(output, 10)}`;
  }
  if (plugins === 'used' && (problem || cases.some(isBad))) {
    const note = missingPluginNote(output, cases);
    if (note && cases.length === 0 && !stream.ended) problem += `\n${note}`;
    else if (note) ctx.logger.warn(note);
  }
  return { cases, problem, output };
}

/** What pytest says when a test or a config counts on a plugin that was not loaded. */
const MISSING_PLUGIN_SIGNS = /unrecognized arguments: [^\n]*|fixture '\w+' not found|Unknown config option: \w+/;

/** With only the code's own plugins loaded, a failure that looks like a missing plugin says how to load it. */
function missingPluginNote(output: string, cases: TestCase[]): string | null {
  const sign = MISSING_PLUGIN_SIGNS.exec([output, ...cases.map((c) => c.message ?? '')].join('\n'));
  if (!sign) return null;
  return (
    `pytest loaded only the plugins of the packages the code declares or uses (${sign[0].trim()}): if the tests ` +
    'need another plugin, list its package in requirements.txt, or set local.pytestPlugins: all to load every ' +
    'plugin installed for the local python'
  );
}

function isMissingPytest(res: ExecResult): boolean {
  // `python3 -m pytest` says `No module named pytest`; the plugin-selecting bootstrap `No module named 'pytest'`.
  return res.exitCode !== 0 && /No module named '?pytest\b/.test(res.stderr + res.stdout);
}

function missing(what: 'pytest' | 'python3', res: ExecResult, ctx: RunCtx) {
  const py = ctx.sandbox.python;
  // The local sandbox says which interpreters it looked at, so the fix names the right one.
  const tried = py && py.tried.length > 0 ? `; tried ${py.tried.join(', ')}` : '';
  const hint =
    what === 'pytest'
      ? `install pytest for the python ptc uses: \`${py?.executable ?? 'python3'} -m pip install pytest\`, or set local.python ` +
        `to a python that has it (or use --sandbox daytona)${tried}`
      : 'install Python 3 with pytest, or use --sandbox daytona';
  return runnerMissing(what, res, hint);
}

function toPytestCase(c: StreamCase): TestCase {
  return { name: c.name, file: c.file, status: c.status, durationMs: c.durationMs, message: pytestSummary(c.message) };
}

/** pytest's failure text repeats the test's source: its `E` lines and the location say what went wrong. */
function pytestSummary(text: string | null): string | null {
  if (!text) return null;
  const lines = text.split('\n');
  const eLines = lines.filter((l) => /^E\s/.test(l)).map((l) => l.replace(/^E\s{0,7}/, ''));
  const where = lines.filter((l) => /^[^\s].*:\d+: \S/.test(l)).slice(-1);
  return eLines.length > 0 ? firstLines([...eLines, ...where].join('\n'), 20) : firstLines(lastLines(text, 20), 20);
}
