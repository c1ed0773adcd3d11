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
import { PYTHON_COMMANDS } from '../languages/python/interpreters.js';
import { makeDirs } from '../util/make-dirs.js';

export interface HostPython {
  /** The interpreter binary, as `sys.executable` names it. */
  executable: string;
  /** Directories the interpreter lives in (prefix, base prefix, their real paths), to bind read-only. */
  prefixes: string[];
  /** Top-level standard-library module names, straight from the interpreter. */
  stdlibModules: string[];
  /** pytest's version for this interpreter, null when it has none. */
  pytest: string | null;
  /** How it was chosen, for doctor and --verbose: "local.python", "python3 on PATH, with pytest", … */
  chosenBy: string;
  /** Every interpreter looked at, in order, with what it had (for the error when none has pytest). */
  tried: string[];
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
  'import sys, json\ntry:\n import pytest; v = pytest.__version__\nexcept Exception:\n v = None\n' +
  'print(json.dumps({"executable": sys.executable, "prefixes": ' +
  '[sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix], ' +
  '"stdlib": sorted(getattr(sys, "stdlib_module_names", [])), "pytest": v}))';

/** One interpreter as the probe saw it; the choice adds how it was chosen. */
type Probed = Omit<HostPython, 'chosenBy' | 'tried'>;

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

/** Asks a host python where it lives, which modules are its standard library, and whether it has pytest. */
function askPython(python: string): Promise<Probed | null> {
  return new Promise((resolve) => {
    // The user's env is passed here on purpose: pyenv shims need PYENV_* to pick the right interpreter.
    // This runs ptc's own fixed script, never generated code.
    execFile(python, ['-c', PROBE_SCRIPT], { timeout: 15_000 }, (err, stdout) => {
      if (err) return resolve(null);
      try {
        const parsed = JSON.parse(stdout) as { executable: string; prefixes: string[]; stdlib: string[]; pytest: string | null };
        const prefixes = new Set<string>();
        for (const p of parsed.prefixes) {
          if (!p) continue;
          prefixes.add(p);
          prefixes.add(realOrSelf(p));
        }
        resolve({ executable: parsed.executable, prefixes: [...prefixes], stdlibModules: parsed.stdlib, pytest: parsed.pytest ?? null });
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

type ProbeCache = { version: 2; entries: Record<string, Probed> };

function readProbeCache(): ProbeCache {
  try {
    const cached = JSON.parse(readFileSync(probeCachePath(), 'utf8')) as ProbeCache;
    if (cached.version === 2 && cached.entries && typeof cached.entries === 'object') return cached;
  } catch {
    // none yet, or not one this version wrote
  }
  return { version: 2, entries: {} };
}

function readCachedProbe(key: string): Probed | null {
  const python = readProbeCache().entries[key];
  // The interpreter may have been uninstalled since; one without pytest may have had it installed since.
  if (!python || !existsSync(python.executable) || python.pytest === null) return null;
  return python;
}

async function writeCachedProbe(key: string, python: Probed): Promise<void> {
  const path = probeCachePath();
  try {
    await makeDirs(dirname(path));
    const cache = readProbeCache();
    cache.entries[key] = python;
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(cache));
    await rename(tmp, path);
  } catch {
    // a cache that cannot be written only costs time
  }
}

async function probe(python: string): Promise<Probed | null> {
  const key = probeCacheKey(python);
  const cached = key ? readCachedProbe(key) : null;
  if (cached) return cached;
  const fresh = await askPython(python);
  if (fresh && key) await writeCachedProbe(key, fresh);
  return fresh;
}

/** Every `name` on PATH, in PATH order (a venv's python3 and the system's are different interpreters). */
function allOnPath(name: string, pathVar = process.env.PATH ?? ''): string[] {
  const found: string[] = [];
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const hit = whichOnHost(name, dir);
    if (hit && !found.includes(hit)) found.push(hit);
  }
  return found;
}

/**
 * The python the local sandbox runs tests with: `local.python` when set (a path, or a name on PATH), else the
 * first python3, then python, on PATH that has pytest; when none has it, the first that runs (the run then
 * fails with an error naming everything tried). Null when there is no python at all.
 */
async function choosePython(configured: string | null): Promise<HostPython | null> {
  const tried: string[] = [];
  if (configured) {
    const path = configured.includes('/') ? configured : whichOnHost(configured);
    const found = path ? await probe(path) : null;
    tried.push(`${configured} (local.python${found ? (found.pytest ? `, pytest ${found.pytest}` : ', no pytest') : ': does not run'})`);
    return found ? { ...found, chosenBy: 'local.python', tried } : null;
  }
  let fallback: (Probed & { name: string }) | null = null;
  for (const name of PYTHON_COMMANDS) {
    for (const path of allOnPath(name)) {
      const found = await probe(path);
      tried.push(`${path} (${found ? (found.pytest ? `pytest ${found.pytest}` : 'no pytest') : 'does not run'})`);
      if (found?.pytest) return { ...found, chosenBy: `${path}, the first ${name} on PATH with pytest`, tried };
      if (found && !fallback) fallback = { ...found, name: path };
    }
  }
  if (!fallback) return null;
  const { name, ...python } = fallback;
  return { ...python, chosenBy: `${name}, the first python on PATH (none has pytest)`, tried };
}

const chosen = new Map<string, Promise<HostPython | null>>();

/** The host python (`local.python`, or the choice from PATH), asked once per process. */
export function hostPython(configured: string | null = null): Promise<HostPython | null> {
  const key = configured ?? '';
  let p = chosen.get(key);
  if (!p) chosen.set(key, (p = choosePython(configured)));
  return p;
}

/** The node running ptc: `<prefix>/bin/node`. */
export function hostNodePrefix(): string {
  return dirname(dirname(realOrSelf(process.execPath)));
}

const interpreters = new Map<string, Promise<HostInterpreters>>();

export function hostInterpreters(configuredPython: string | null = null): Promise<HostInterpreters> {
  const key = configuredPython ?? '';
  let p = interpreters.get(key);
  if (!p) {
    p = hostPython(configuredPython).then((python) => {
      const dirs: string[] = [];
      if (python) dirs.push(dirname(python.executable), ...python.prefixes.map((p) => join(p, 'bin')));
      dirs.push(dirname(process.execPath), join(hostNodePrefix(), 'bin'));
      dirs.push(...SYSTEM_PATH_DIRS);
      return { python, nodePrefix: hostNodePrefix(), pathDirs: [...new Set(dirs)] };
    });
    interpreters.set(key, p);
  }
  return p;
}

export interface SandboxEnvInput {
  pathDirs: string[];
  home: string;
  tmpDir: string;
  /** Per-command additions (e.g. PYTHONPATH for installed packages). */
  extra?: Record<string, string>;
  /** The python tests run with (its executable path), when it is not simply `python3` on PATH. */
  python?: string;
}

/** The whole environment the generated code sees. Nothing is copied from process.env. */
export function buildSandboxEnv(input: SandboxEnvInput): Record<string, string> {
  return {
    PATH: input.pathDirs.join(':'),
    // The python runner starts "${PTC_PYTHON:-python3}": the chosen interpreter, whatever `python3` on PATH is.
    ...(input.python ? { PTC_PYTHON: input.python } : {}),
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
