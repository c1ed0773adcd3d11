/**
 * What the local sandbox needs to know about the host's interpreters, and the environment it gives the code.
 * The environment is built from nothing: no variable of the user's (keys, tokens, proxies) reaches the code.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join, parse } from 'node:path';
import { makeDirs } from '../util/make-dirs.js';

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

/** Asks the host's python3 for where it lives and which modules are its standard library. */
function askPython(python: string): Promise<HostPython | null> {
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

/** The nearest `name` file from the working directory up, as pyenv and asdf look for it. */
function nearestFile(name: string): string | null {
  let dir = process.cwd();
  for (;;) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
    if (dir === parse(dir).root) return null;
    dir = dirname(dir);
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Everything that decides which interpreter `python3` starts: the binary (or shim) itself, and what version
 * managers read (pyenv: PYENV_VERSION, .python-version up the tree, the global version file; asdf:
 * .tool-versions; venv/conda variables). Starting python through a pyenv shim costs 0.1-0.3 s; with this key
 * the answer is reused across runs until one of these changes.
 */
function probeCacheKey(python: string): string | null {
  try {
    const real = realpathSync(python);
    const st = statSync(real);
    const pyenvRoot = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
    const parts = [
      python, real, st.mtimeMs, st.size,
      process.env.PYENV_VERSION, process.env.PYENV_ROOT, process.env.VIRTUAL_ENV, process.env.CONDA_PREFIX,
      process.env.ASDF_PYTHON_VERSION,
      nearestFile('.python-version'), nearestFile('.tool-versions'), readOrNull(join(pyenvRoot, 'version')),
    ];
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  } catch {
    return null;
  }
}

function probeCachePath(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'ptc', 'host-python.json');
}

function readCachedProbe(key: string): HostPython | null {
  try {
    const cached = JSON.parse(readFileSync(probeCachePath(), 'utf8')) as { key?: string; python?: HostPython };
    if (cached.key !== key || !cached.python) return null;
    // The interpreter may have been uninstalled since.
    if (!existsSync(cached.python.executable)) return null;
    return cached.python;
  } catch {
    return null;
  }
}

async function writeCachedProbe(key: string, python: HostPython): Promise<void> {
  const path = probeCachePath();
  try {
    await makeDirs(dirname(path));
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ key, python }));
    await rename(tmp, path);
  } catch {
    // a cache that cannot be written only costs time
  }
}

async function probePython(): Promise<HostPython | null> {
  const python = whichOnHost('python3');
  if (!python) return null;
  const key = probeCacheKey(python);
  const cached = key ? readCachedProbe(key) : null;
  if (cached) return cached;
  const fresh = await askPython(python);
  if (fresh && key) await writeCachedProbe(key, fresh);
  return fresh;
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
