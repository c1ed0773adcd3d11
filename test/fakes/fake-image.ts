/**
 * The fake Daytona sandbox's image, modelled on Daytona's default one: python3 is there, pytest is not until
 * `python3 -m pip install … pytest` runs in the sandbox. So ptc's install path is exercised for real, and a
 * sandbox created from a snapshot with pytest skips it.
 *
 * How: each sandbox gets a `python3` first on its PATH. It records every `-m pip install` in a log the test can
 * read, "installs" pytest by leaving a marker (no network: the host's pytest is what then loads) and passes
 * other packages on to the real pip. Every other call runs the host's python with a `sitecustomize` that
 * makes `import pytest` fail, as on the default image, until the marker exists: the image's own, or, after
 * `pip install --target <dir> pytest`, one in <dir> when <dir> is on the python path (as for the real pip).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PipInstall {
  sandboxId: string;
  /** The arguments after `-m pip install`. */
  args: string[];
}

let hostPython: string | null = null;

/** The host interpreter itself (not a pyenv shim, which would find our python3 again on PATH). */
function realPython(): string {
  hostPython ??= execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  return hostPython;
}

const SITECUSTOMIZE = (marker: string) => `
import os, sys
# pytest is there once installed for the whole image (a snapshot's, or pip without --target), or when a folder
# on the path holds one that \`pip install --target\` put there.
_installed = os.path.exists(${JSON.stringify(marker)}) or any(os.path.exists(os.path.join(p or ".", ".fake-pytest")) for p in sys.path)
if not _installed:
    class _NoPytestInThisImage:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.split(".")[0] in ("pytest", "_pytest"):
                raise ModuleNotFoundError("No module named %r" % name, name=name)
            return None
    sys.meta_path.insert(0, _NoPytestInThisImage)
`;

const PYTHON3 = (real: string, marker: string, site: string, log: string, sandboxId: string) => `#!${real}
import json, os, re, sys
args = sys.argv[1:]
if args[:3] == ["-m", "pip", "install"]:
    with open(${JSON.stringify(log)}, "a") as f:
        f.write(json.dumps({"sandboxId": ${JSON.stringify(sandboxId)}, "args": args[3:]}) + "\\n")
    rest, packages, skip, target, pytest = [], [], None, None, False
    for a in args[3:]:
        if skip:
            rest.append(a)
            if skip in ("--target", "-t"): target = a
            skip = None
        elif a in ("--target", "-t", "--index-url", "-i", "--extra-index-url", "-r", "-c"):
            rest.append(a); skip = a
        elif a.startswith("-"):
            rest.append(a)
        elif re.match(r"^pytest([<>=!~ ].*)?$", a):
            pytest = True
        else:
            packages.append(a)
    if pytest and target:
        os.makedirs(target, exist_ok=True)
        open(os.path.join(target, ".fake-pytest"), "w").close()
    elif pytest:
        open(${JSON.stringify(marker)}, "w").close()
    if not packages:
        sys.exit(0)
    args = args[:3] + rest + packages
env = dict(os.environ)
env["PYTHONPATH"] = ${JSON.stringify(site)} + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
os.execve(${JSON.stringify(real)}, [${JSON.stringify(real)}] + args, env)
`;

/** Put the image's python3 into a sandbox dir; returns the directory to put first on PATH. */
export function installFakeImage(o: { sandboxDir: string; sandboxId: string; logDir: string; pytest: boolean }): string {
  const image = join(o.sandboxDir, '.fake-image');
  const bin = join(image, 'bin');
  const site = join(image, 'site');
  const marker = join(image, 'pytest-installed');
  mkdirSync(bin, { recursive: true });
  mkdirSync(site, { recursive: true });
  writeFileSync(join(site, 'sitecustomize.py'), SITECUSTOMIZE(marker));
  const python3 = join(bin, 'python3');
  writeFileSync(python3, PYTHON3(realPython(), marker, site, join(o.logDir, 'pip.log'), o.sandboxId));
  chmodSync(python3, 0o755);
  if (o.pytest) writeFileSync(marker, '');
  return bin;
}

export function readPipLog(logDir: string): PipInstall[] {
  const file = join(logDir, 'pip.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PipInstall);
}

