import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { packageName, packagesFromPackageJson, packagesFromRequirements } from '../reply/dependencies.js';
import { valueAt } from '../util/value-at.js';
import type { Lang } from '../types.js';

/** Folders that are never part of a project's tests: VCS, dependencies, caches, ptc's own state. */
const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.ptc', '__pycache__', '.pytest_cache', '.venv', 'venv', '.mypy_cache', 'dist', 'build']);

export interface CollectedFile {
  path: string;
  content: Buffer;
}

export interface CollectOptions {
  maxFiles: number;
  maxBytes: number;
  /** Files whose contents the caller already holds (what ptc just wrote): taken from here, not read back. */
  inMemory?: ReadonlyMap<string, string>;
}

/**
 * The files of a small project, for uploading into a sandbox. Symlinks are not followed (a link could point
 * anywhere on the user's disk); the walk stops at generous limits so `ptc run ~` cannot upload a home folder.
 */
export async function collectFiles(
  dir: string,
  opts: Partial<CollectOptions> = {},
): Promise<CollectedFile[]> {
  const limits = { maxFiles: opts.maxFiles ?? 2000, maxBytes: opts.maxBytes ?? 50 * 1024 * 1024 };
  const files: CollectedFile[] = [];
  let bytes = 0;
  async function walk(current: string): Promise<void> {
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.endsWith('.egg-info')) await walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const info = await lstat(full);
      bytes += info.size;
      if (files.length + 1 > limits.maxFiles || bytes > limits.maxBytes) {
        throw new UsageError(`${dir} is too large to run as one test project (over ${limits.maxFiles} files or ${Math.round(limits.maxBytes / 1048576)} MB)`, {
          code: 'run_dir_too_large',
          hint: 'point `ptc run` at the folder that holds the code and its tests',
        });
      }
      const path = relative(dir, full).split(sep).join('/');
      const held = opts.inMemory?.get(path);
      files.push({ path, content: held !== undefined ? Buffer.from(held) : await readFile(full) });
    }
  }
  await walk(dir);
  return files;
}

/** The language of a project from its files: TypeScript wins over JavaScript, Python when there is Python. */
export function detectLang(paths: string[]): Lang | null {
  const has = (re: RegExp) => paths.some((p) => re.test(p));
  if (has(/\.py$/)) return 'python';
  if (has(/\.(ts|mts|cts)$/)) return 'typescript';
  if (has(/\.(js|mjs|cjs)$/)) return 'javascript';
  return null;
}

/** Optional-dependency and dependency groups that hold what the tests need. */
const TEST_GROUPS = ['test', 'tests', 'testing', 'dev'];

/**
 * The packages a pyproject.toml declares: PEP 621 `[project] dependencies` and the test/dev extras, PEP 735
 * test/dev `[dependency-groups]`, and Poetry's dependencies and test/dev groups. A file that does not parse
 * declares nothing here (pytest, which reads it too, will say what is wrong).
 */
async function pyprojectDependencies(content: string): Promise<string[]> {
  const { parse } = await import('smol-toml');
  let doc: Record<string, unknown>;
  try {
    doc = parse(content) as Record<string, unknown>;
  } catch {
    return [];
  }
  const specs: string[] = [];
  const addList = (list: unknown) => {
    if (Array.isArray(list)) for (const item of list) if (typeof item === 'string') specs.push(item);
  };
  // Poetry lists names with its own version syntax (`^2.0`): the name is what can be installed or checked.
  const addNames = (table: unknown) => {
    if (table && typeof table === 'object') specs.push(...Object.keys(table).filter((name) => name.toLowerCase() !== 'python'));
  };
  addList(valueAt(doc, ['project', 'dependencies']));
  addNames(valueAt(doc, ['tool', 'poetry', 'dependencies']));
  addNames(valueAt(doc, ['tool', 'poetry', 'dev-dependencies']));
  for (const group of TEST_GROUPS) {
    addList(valueAt(doc, ['project', 'optional-dependencies', group]));
    addList(valueAt(doc, ['dependency-groups', group]));
    addNames(valueAt(doc, ['tool', 'poetry', 'group', group, 'dependencies']));
  }
  return packagesFromRequirements(specs.join('\n'));
}

/**
 * The packages a project declares at its top level, as a reply's requirements block would: requirements*.txt
 * (or .in) and pyproject.toml for Python, package.json's dependencies and devDependencies for JavaScript and
 * TypeScript.
 */
export async function projectDependencies(files: { path: string; content: string }[], lang: Lang): Promise<string[]> {
  const found: string[] = [];
  for (const f of files) {
    if (f.path.includes('/')) continue;
    if (lang === 'python' && /^requirements[\w.-]*\.(txt|in)$/.test(f.path)) found.push(...packagesFromRequirements(f.content));
    if (lang !== 'python' && f.path === 'package.json') found.push(...packagesFromPackageJson(f.content));
  }
  const pyproject = lang === 'python' ? files.find((f) => f.path === 'pyproject.toml') : undefined;
  if (pyproject) found.push(...(await pyprojectDependencies(pyproject.content)));
  // One spec per package: the first file's wins.
  const byName = new Map<string, string>();
  for (const spec of found) if (!byName.has(packageName(spec))) byName.set(packageName(spec), spec);
  return [...byName.values()];
}
