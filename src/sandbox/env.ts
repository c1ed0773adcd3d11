/**
 * What the local sandbox needs to know about the host's interpreters, and the environment it gives the code.
 * The environment is built from nothing: no variable of the user's (keys, tokens, proxies) reaches the code.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export interface HostPython {
  /** The interpreter binary, as `sys.executable` names it. */
  executable: string;
  /** Directories the interpreter lives in (prefix, base prefix, their real paths), to bind read-only. */
  prefixes: string[];
  /** Top-level standard-library module names, straight from the interpreter. */
  stdlibModules: string[];
}

export interface HostInterpreters {
  python: HostPython | null;
  /** The install prefix of the node running ptc (e.g. `/usr`, `~/.nvm/versions/node/v20.19.0`). */
  nodePrefix: string;
  /** Directories for the sandbox's PATH, interpreters first. */
  pathDirs: string[];
}

const SYSTEM_PATH_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];

const PROBE_SCRIPT =
  'import sys, json; print(json.dumps({"executable": sys.executable, "prefixes": ' +
  '[sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix], ' +
  '"stdlib": sorted(getattr(sys, "stdlib_module_names", []))}))';

/** Finds an executable on the host's PATH (the user's PATH is read here only, never passed on). */
export function whichOnHost(name: string, pathVar = process.env.PATH ?? ''): string | null {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Asks the host's python3 once for where it lives and which modules are its standard library. */
function probePython(): Promise<HostPython | null> {
  const python = whichOnHost('python3');
  if (!python) return Promise.resolve(null);
  return new Promise((resolve) => {
    // The user's env is passed here on purpose: pyenv shims need PYENV_* to pick the right interpreter.
    // This runs ptc's own fixed script, never generated code.
    execFile(python, ['-c', PROBE_SCRIPT], { timeout: 15_000 }, (err, stdout) => {
      if (err) return resolve(null);
      try {
        const parsed = JSON.parse(stdout) as { executable: string; prefixes: string[]; stdlib: string[] };
        const prefixes = new Set<string>();
        for (const p of parsed.prefixes) {
          if (!p) continue;
          prefixes.add(p);
          prefixes.add(realOrSelf(p));
        }
        resolve({ executable: parsed.executable, prefixes: [...prefixes], stdlibModules: parsed.stdlib });
      } catch {
        resolve(null);
      }
    });
  });
}

let cachedPython: Promise<HostPython | null> | null = null;

/** The host python, asked once per process. */
export function hostPython(): Promise<HostPython | null> {
  cachedPython ??= probePython();
  return cachedPython;
}

/** The node running ptc: `<prefix>/bin/node`. */
export function hostNodePrefix(): string {
  return dirname(dirname(realOrSelf(process.execPath)));
}

let cachedInterpreters: Promise<HostInterpreters> | null = null;

export function hostInterpreters(): Promise<HostInterpreters> {
  cachedInterpreters ??= hostPython().then((python) => {
    const dirs: string[] = [];
    if (python) dirs.push(dirname(python.executable), ...python.prefixes.map((p) => join(p, 'bin')));
    dirs.push(dirname(process.execPath), join(hostNodePrefix(), 'bin'));
    dirs.push(...SYSTEM_PATH_DIRS);
    return { python, nodePrefix: hostNodePrefix(), pathDirs: [...new Set(dirs)] };
  });
  return cachedInterpreters;
}

export interface SandboxEnvInput {
  pathDirs: string[];
  home: string;
  tmpDir: string;
  /** Per-command additions (e.g. PYTHONPATH for installed packages). */
  extra?: Record<string, string>;
}

/** The whole environment the generated code sees. Nothing is copied from process.env. */
export function buildSandboxEnv(input: SandboxEnvInput): Record<string, string> {
  return {
    PATH: input.pathDirs.join(':'),
    HOME: input.home,
    TMPDIR: input.tmpDir,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    PYTHONUNBUFFERED: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    NO_COLOR: '1',
    CI: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...input.extra,
  };
}
