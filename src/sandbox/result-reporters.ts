/**
 * The reporters that stream each finished test case to ptc, one JSON record per line, on a channel that is not a
 * file in the code's writable tree: an inherited pipe (fd given in PTC_RESULTS_FD) in the local sandbox, or the
 * runner's stdout, each line framed with RESULT_LINE_PREFIX, where there is no pipe (Daytona).
 *
 * Every record carries a per-run key that ptc puts into RESULTS_KEY_PATH just before the run; the reporter
 * reads and deletes it before any of the code under test is loaded, so records the code writes itself do not
 * carry it. A pipe is append-only: a case reported as failed stays reported, whatever the code does later
 * (rewrite the JUnit file, os._exit(0) from an atexit handler). See result-stream.ts for the checks.
 */

export const RESULTS_KEY_PATH = '.ptc/results-key';
export const RESULTS_FD = 3;
export const RESULT_LINE_PREFIX = 'ptc-result ';

/**
 * pytest with the reporter registered as a plugin object (no file to load or tamper with). argv[1] is the JSON
 * list of the plugin distributions to load with `-p` (autoloading is off), or `null` to let pytest autoload
 * every installed plugin; the rest is pytest's own arguments.
 *
 * Besides each case it records a `flip` when a report that pytest made as not passed reaches the log as passed,
 * or a call that raised is reported as passed: what a conftest hook rewriting outcomes does.
 */
export const PYTEST_BOOTSTRAP = String.raw`
import os, sys, json, re

def _ptc_channel():
    try:
        with open(${JSON.stringify(RESULTS_KEY_PATH)}) as f:
            key = f.read().strip()
        os.unlink(${JSON.stringify(RESULTS_KEY_PATH)})
    except OSError:
        key = ""
    fd = os.environ.pop("PTC_RESULTS_FD", None)
    if fd is not None:
        fd, prefix = int(fd), ""
    else:
        # a copy of stdout taken before the capture of pytest redirects fd 1
        fd, prefix = os.dup(1), "\n" + ${JSON.stringify(RESULT_LINE_PREFIX)}
    def emit(**rec):
        rec["k"] = key
        data = (prefix + json.dumps(rec) + "\n").encode()
        while data:
            data = data[os.write(fd, data):]
    return emit

_ptc_emit = _ptc_channel()
del _ptc_channel
_ptc_emit(t="start")

import pytest
from importlib.metadata import entry_points

_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}

class _PtcResults:
    def __init__(self):
        self.made = {}
        self.cases = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        _ptc_emit(t="collected", n=len(session.items))

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report):
        if report.failed:
            path = report.nodeid.split("::")[0]
            name = re.sub(r"\.py$", "", path.replace("/", ".")) if "::" not in report.nodeid else report.nodeid.split("::")[-1]
            _ptc_emit(t="case", id="collect:" + report.nodeid, name=name, file=path or None, status="error",
                      ms=0, msg=str(report.longreprtext)[-4000:])

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        rep = outcome.get_result()
        self.made[(rep.nodeid, rep.when)] = rep.outcome
        if call.excinfo is not None and rep.outcome == "passed":
            _ptc_emit(t="flip", id=rep.nodeid, when=rep.when)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report):
        made = self.made.pop((report.nodeid, report.when), None)
        if report.outcome == "passed" and made != "passed":
            _ptc_emit(t="flip", id=report.nodeid, when=report.when)
        case = self.cases.setdefault(report.nodeid, {"status": "passed", "ms": 0.0, "msg": None})
        case["ms"] += (report.duration or 0) * 1000
        status = "passed"
        if report.failed:
            status = "failed" if report.when == "call" else "error"
        elif report.skipped and report.when != "teardown":
            status = "skipped"
        if _RANK[status] > _RANK[case["status"]]:
            case["status"] = status
            case["msg"] = str(report.longreprtext)[-4000:] or None
        if report.when == "teardown":
            del self.cases[report.nodeid]
            path, _, rest = report.nodeid.partition("::")
            file = report.location[0]
            name = rest if path == file else rest.split("::")[-1]
            _ptc_emit(t="case", id=report.nodeid, name=name, file=file, status=case["status"],
                      ms=round(case["ms"]), msg=case["msg"])

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        _ptc_emit(t="end", exit=int(exitstatus))

args = []
wanted = json.loads(sys.argv[1])
if wanted is not None:
    wanted = set(wanted)
    for ep in entry_points(group="pytest11"):
        dist = getattr(ep, "dist", None)
        if dist is not None and re.sub(r"[-_.]+", "-", dist.name).lower() in wanted:
            args += ["-p", ep.value.split(":")[0].strip()]
sys.exit(pytest.main(args + sys.argv[2:], plugins=[_PtcResults()]))
`;

/**
 * A custom reporter for `node --test`. It runs in the runner's own process; the test files run in child
 * processes, which neither inherit the pipe nor can read the key (deleted when this module loads, before any
 * child starts). Suites are left out: their cases are reported one by one.
 */
const NODE_REPORTER = `
import { readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
let key = '';
try {
  key = readFileSync(${JSON.stringify(RESULTS_KEY_PATH)}, 'utf8').trim();
  unlinkSync(${JSON.stringify(RESULTS_KEY_PATH)});
} catch {}
const fdVar = process.env.PTC_RESULTS_FD;
delete process.env.PTC_RESULTS_FD;
const fd = fdVar ? Number(fdVar) : 1;
const prefix = fdVar ? '' : ${JSON.stringify(`\n${RESULT_LINE_PREFIX}`)};
function emit(rec) {
  let data = Buffer.from(prefix + JSON.stringify({ ...rec, k: key }) + '\\n');
  while (data.length > 0) data = data.subarray(writeSync(fd, data));
}
emit({ t: 'start' });
export default async function* ptcResults(source) {
  const path = [];
  let seq = 0;
  for await (const { type, data } of source) {
    if (type === 'test:start') {
      path[data.nesting] = data.name;
      path.length = data.nesting + 1;
      continue;
    }
    if ((type !== 'test:pass' && type !== 'test:fail') || data.details?.type === 'suite') continue;
    const error = data.details?.error;
    const status = data.skip !== undefined || data.todo !== undefined ? 'skipped' : type === 'test:pass' ? 'passed' : 'failed';
    emit({
      t: 'case',
      id: String(seq++),
      name: [...path.slice(0, data.nesting), data.name].join(' > '),
      // The file's own entry (a load error, or a file without tests): Node 20 names it by its absolute path,
      // Node 22+ relative to the working directory.
      fileLevel: data.nesting === 0 && typeof data.file === 'string' && resolve(data.name) === data.file,
      status,
      failureType: error?.failureType ?? null,
      ms: Math.round(data.details?.duration_ms ?? 0),
      msg: error ? String(error.cause?.stack ?? error.cause ?? error.message ?? error).slice(0, 4000) : null,
    });
  }
  emit({ t: 'end' });
}
`;

/** The reporter as a `data:` URL for `--test-reporter`: nothing to write into the sandbox, nothing to alter. */
export function nodeReporterUrl(): string {
  return `data:text/javascript,${encodeURIComponent(NODE_REPORTER)}`;
}
