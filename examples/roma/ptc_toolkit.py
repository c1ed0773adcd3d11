"""A ROMA-style toolkit that gives an agent ptc's generate step by shelling out to `ptc generate --json`.

Standard library only. Inside ROMA-DSPy it subclasses roma_dspy's BaseToolkit (register it in the toolkit
manager's BUILTIN_TOOLKITS, or load it by class path, and list it under an agent's `toolkits`); elsewhere it
is a plain class, and `python3 ptc_toolkit.py "<prompt>"` runs it from a shell.

Which ptc to run: the `ptc_command` argument, else $PTC_BIN (e.g. "node /path/to/bin/ptc.js"), else `ptc`.
Provider, model, keys and the rest come from ptc's own configuration (rc file, PTC_* variables, keys in the
environment) unless given as arguments. The result is ptc's JSON contract (schemaVersion 1) as a dict.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
from typing import Any, Dict, List, Optional

try:  # Inside ROMA the toolkit plugs into its manager; anywhere else it stands alone.
    from roma_dspy.tools.base.base import BaseToolkit  # type: ignore
except ImportError:  # pragma: no cover - depends on the environment
    class BaseToolkit:  # type: ignore[no-redef]
        def __init__(self, enabled: bool = True, include_tools: Optional[List[str]] = None,
                     exclude_tools: Optional[List[str]] = None, **config: Any) -> None:
            self.enabled = enabled
            self.include_tools = include_tools
            self.exclude_tools = exclude_tools
            self.config = config
            self._setup_dependencies()
            self._initialize_tools()

        def _setup_dependencies(self) -> None:
            pass

        def _initialize_tools(self) -> None:
            pass


class PtcToolkit(BaseToolkit):
    """Turns a prompt into code plus tests on disk, runs the tests, and reports the result."""

    def __init__(self, enabled: bool = True, include_tools: Optional[List[str]] = None,
                 exclude_tools: Optional[List[str]] = None, ptc_command: Optional[str] = None,
                 cwd: Optional[str] = None, timeout: float = 900.0, **config: Any) -> None:
        self.ptc_command = shlex.split(ptc_command or os.environ.get("PTC_BIN") or "ptc")
        self.cwd = cwd
        self.timeout = timeout
        super().__init__(enabled=enabled, include_tools=include_tools, exclude_tools=exclude_tools, **config)

    def _setup_dependencies(self) -> None:
        pass

    def _initialize_tools(self) -> None:
        pass

    async def generate_code(self, prompt: str, lang: str = "python", out: Optional[str] = None,
                            run: bool = True, fix: int = 1, provider: Optional[str] = None,
                            model: Optional[str] = None) -> Dict[str, Any]:
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

        Returns:
            ptc's result: ok, exitCode, outDir, files (paths), tests (passed/failed and cases), cost, and
            error {code, message, hint, retryable} when it failed.
        """
        return await asyncio.to_thread(self.generate, prompt, lang=lang, out=out, run=run, fix=fix,
                                       provider=provider, model=model)

    def generate(self, prompt: str, lang: str = "python", out: Optional[str] = None, run: bool = True,
                 fix: int = 1, provider: Optional[str] = None, model: Optional[str] = None,
                 base_url: Optional[str] = None) -> Dict[str, Any]:
        """The same, synchronously: what generate_code runs in a worker thread."""
        args = ["generate", "-", "--json", "--lang", lang, "--run" if run else "--no-run"]
        if run and fix:
            args += ["--fix", str(fix)]
        for flag, value in (("--out", out), ("--provider", provider), ("--model", model), ("--base-url", base_url)):
            if value:
                args += [flag, value]
        return self._call(args, stdin=prompt)

    def _call(self, args: List[str], stdin: str) -> Dict[str, Any]:
        # The prompt goes in on stdin: no quoting problems, no length limit, and ptc never waits for a terminal.
        try:
            proc = subprocess.run(self.ptc_command + args, input=stdin, capture_output=True, text=True,
                                  cwd=self.cwd, timeout=self.timeout)
        except FileNotFoundError:
            return _failure(127, "ptc_not_found", f"cannot run {self.ptc_command[0]!r}",
                            "install ptc (npm install -g ptc) or set PTC_BIN")
        except subprocess.TimeoutExpired:
            return _failure(124, "timeout", f"ptc did not finish within {self.timeout}s", "raise timeout", True)
        try:
            result = json.loads(proc.stdout)
        except json.JSONDecodeError:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return _failure(proc.returncode, "no_json", f"ptc exited {proc.returncode} without a JSON result: {last}", None)
        return result


def _failure(code: int, error_code: str, message: str, hint: Optional[str], retryable: bool = False) -> Dict[str, Any]:
    """When ptc could not even answer: the contract's ok/exitCode/error fields, so callers handle one shape."""
    return {"schemaVersion": 1, "ok": False, "exitCode": code,
            "error": {"code": error_code, "message": message, "hint": hint, "retryable": retryable}}


def main(argv: List[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Run ptc generate through the toolkit and print its result.")
    parser.add_argument("prompt")
    parser.add_argument("--lang", default="python")
    parser.add_argument("--out")
    parser.add_argument("--no-run", action="store_true")
    parser.add_argument("--fix", type=int, default=1)
    parser.add_argument("--provider")
    parser.add_argument("--model")
    parser.add_argument("--base-url")
    parser.add_argument("--ptc", help='the ptc command, e.g. "node bin/ptc.js" (default: $PTC_BIN or ptc)')
    ns = parser.parse_args(argv)
    toolkit = PtcToolkit(ptc_command=ns.ptc)
    result = toolkit.generate(ns.prompt, lang=ns.lang, out=ns.out, run=not ns.no_run, fix=ns.fix,
                              provider=ns.provider, model=ns.model, base_url=ns.base_url)
    print(json.dumps(result, indent=2))
    code = result.get("exitCode")
    return code if isinstance(code, int) and 0 <= code < 256 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
