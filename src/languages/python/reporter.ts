/**
 * Python's half of the untrusted-results channel (src/sandbox/result-reporters.ts): a pytest plugin that streams
 * each finished case to ptc, keyed, on a channel the code under test cannot rewrite.
 */
import { RESULT_LINE_PREFIX, RESULTS_KEY_PATH } from '../../sandbox/result-reporters.js';

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

