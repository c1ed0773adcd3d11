"""A ROMA toolkit that gives an agent ptc: write code and tests for a task, run them, repair failures.

Standard library only; it runs `ptc generate --json` / `ptc run --json` and returns ptc's result.

In ROMA-DSPy, register the class before a profile names it (ROMA finds toolkits by class name in its registry):

    from roma_dspy.tools import register_toolkit
    from ptc_toolkit import PtcToolkit
    register_toolkit(PtcToolkit)

then list it under an agent's toolkits (`- class_name: PtcToolkit`, optional `toolkit_config: {ptc_command,
cwd, timeout}`). ROMA exposes every public method as a tool: here `generate_code` and `run_tests`, both async.
Like ROMA's own toolkits they never raise: they return `{"success": ..., ...}`. `success` is true when ptc did
the job, even if tests failed (`tests_failed` says so, and the failures are in `result`); false when ptc could
not (then `error`, `error_type`, `hint` and `retryable` say why).

Outside ROMA it stands alone: `python3 ptc_toolkit.py "<prompt>"` runs generate_code and prints the answer.

Which ptc to run: the `ptc_command` argument, else $PTC_BIN (e.g. "node /path/to/bin/ptc.js"), else `ptc`
(which needs Node >= 20.19). Provider, model, keys and the rest come from ptc's own configuration (rc file,
PTC_* variables, keys in the environment) unless given as arguments.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

try:  # Inside ROMA the toolkit plugs into its manager; anywhere else it stands alone.
    from roma_dspy.tools.base.base import BaseToolkit  # type: ignore
except ImportError:  # pragma: no cover - depends on the environment
    class BaseToolkit:  # type: ignore[no-redef]
        """The parts of ROMA's BaseToolkit this toolkit relies on."""

        def __init__(self, enabled: bool = True, include_tools: Optional[List[str]] = None,
                     exclude_tools: Optional[List[str]] = None, **config: Any) -> None:
            self.enabled = enabled
            self.include_tools = include_tools or []
            self.exclude_tools = exclude_tools or []
            self.config = config
            if enabled:
                self._setup_dependencies()
                self._initialize_tools()

        def _setup_dependencies(self) -> None:
            pass

        def _initialize_tools(self) -> None:
            pass

# ptc's exit codes that mean "the job was done": 0 all passed (or nothing to run), 1 tests ran and some failed.
_DONE = (0, 1)


class PtcToolkit(BaseToolkit):
    """Turns a prompt into code plus tests on disk, runs the tests, and reports the result."""

    def __init__(self, enabled: bool = True, include_tools: Optional[List[str]] = None,
                 exclude_tools: Optional[List[str]] = None, ptc_command: Optional[str] = None,
                 cwd: Optional[str] = None, timeout: float = 900.0, **config: Any) -> None:
        self._ptc = shlex.split(ptc_command or os.environ.get("PTC_BIN") or "ptc")
        self._cwd = cwd
        self._timeout = timeout
        super().__init__(enabled=enabled, include_tools=include_tools, exclude_tools=exclude_tools, **config)

    def _setup_dependencies(self) -> None:
        pass

    def _initialize_tools(self) -> None:
        pass

    async def generate_code(self, prompt: str, lang: str = "python", out: Optional[str] = None,
                            run: bool = True, fix: int = 1, provider: Optional[str] = None,
                            model: Optional[str] = None, reasoning: Optional[str] = None) -> Dict[str, Any]:
        """
        Write code and tests for a task, run the tests in a sandbox, and repair failures.

        Args:
            prompt: What to build, in plain words.
            lang: python, typescript or javascript.
            out: Directory for the files (default: a new folder named from the prompt).
            run: Run the tests after writing.
            fix: Repair rounds when tests fail (only with run).
            provider: kimi, anthropic, openrouter, openai or openai-compatible (default: ptc's config).
            model: Model id (default: the provider's default).
            reasoning: Thinking effort: off, low, medium or high (default: the model's own).

        Returns:
            {"success": true, "tests_failed": bool, "summary": str, "result": ptc's JSON} when ptc did the job;
            {"success": false, "error": str, "error_type": str, "hint": str, "retryable": bool} when it could not.
        """
        args = ["generate", "-", "--json", "--lang", lang, "--run" if run else "--no-run"]
        if run and fix:
            args += ["--fix", str(fix)]
        for flag, value in (("--out", out), ("--provider", provider), ("--model", model), ("--reasoning", reasoning)):
            if value:
                args += [flag, value]
        # The prompt goes in on stdin: no quoting problems, no length limit, and ptc never waits for a terminal.
        return await asyncio.to_thread(self._call, "generate_code", args, prompt)

    async def run_tests(self, dir: str = ".") -> Dict[str, Any]:
        """
        Run the tests already in a directory (pytest or node --test) in a sandbox.

        Args:
            dir: The directory holding the code and its tests.

        Returns:
            The same shape as generate_code: success, tests_failed, summary and ptc's result.
        """
        return await asyncio.to_thread(self._call, "run_tests", ["run", dir, "--json"], "")

    def _call(self, tool: str, args: List[str], stdin: str) -> Dict[str, Any]:
        try:
            proc = subprocess.run(self._ptc + args, input=stdin, capture_output=True, text=True,
                                  cwd=self._cwd, timeout=self._timeout)
        except FileNotFoundError:
            return _error(tool, "ptc_not_found", f"cannot run {self._ptc[0]!r}",
                          "install ptc (npm install -g ptc, Node >= 20.19) or set PTC_BIN")
        except subprocess.TimeoutExpired:
            return _error(tool, "timeout", f"ptc did not finish within {self._timeout}s", "raise timeout", True)
        try:
            result = json.loads(proc.stdout)
        except json.JSONDecodeError:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return _error(tool, "no_json", f"ptc exited {proc.returncode} without a JSON result: {last}", None)
        code = result.get("exitCode")
        if code in _DONE:
            return {"success": True, "tests_failed": code == 1, "summary": _summary(result), "result": result,
                    **_meta(tool)}
        err = result.get("error") or {}
        return _error(tool, err.get("code", "ptc_error"), err.get("message", f"ptc exited {code}"),
                      err.get("hint"), bool(err.get("retryable")), result)


def _summary(result: Dict[str, Any]) -> str:
    tests = result.get("tests") or {}
    if not tests.get("ran"):
        return f"{len(result.get('files') or [])} files in {result.get('outDir')}; tests not run"
    return f"tests: {tests.get('passed', 0)} passed, {tests.get('failed', 0)} failed, {tests.get('errors', 0)} errors " \
           f"in {result.get('outDir')}"


def _meta(tool: str) -> Dict[str, Any]:
    return {"toolkit": "PtcToolkit", "tool": tool, "timestamp": datetime.now(timezone.utc).isoformat()}


def _error(tool: str, code: str, message: str, hint: Optional[str], retryable: bool = False,
           result: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """ROMA's error shape, plus ptc's hint and retryable, and its result when there is one."""
    answer: Dict[str, Any] = {"success": False, "error": message, "error_type": code, "hint": hint,
                              "retryable": retryable, **_meta(tool)}
    if result is not None:
        answer["result"] = result
    return answer


def main(argv: List[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Run ptc generate through the toolkit and print its answer.")
    parser.add_argument("prompt")
    parser.add_argument("--lang", default="python")
    parser.add_argument("--out")
    parser.add_argument("--no-run", action="store_true")
    parser.add_argument("--fix", type=int, default=1)
    parser.add_argument("--provider")
    parser.add_argument("--model")
    parser.add_argument("--reasoning")
    parser.add_argument("--ptc", help='the ptc command, e.g. "node bin/ptc.js" (default: $PTC_BIN or ptc)')
    ns = parser.parse_args(argv)
    toolkit = PtcToolkit(ptc_command=ns.ptc)
    answer = asyncio.run(toolkit.generate_code(ns.prompt, lang=ns.lang, out=ns.out, run=not ns.no_run, fix=ns.fix,
                                               provider=ns.provider, model=ns.model, reasoning=ns.reasoning))
    print(json.dumps(answer, indent=2))
    return 0 if answer["success"] and not answer.get("tests_failed") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
