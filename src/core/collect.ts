import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { allLanguages, detectProjectLanguage, getLanguage } from '../languages/registry.js';
import { packageName } from '../reply/dependencies.js';
import type { Lang } from '../languages/registry.js';

/** Folders that are never part of a project's tests: VCS, build output, ptc's own state (and each language's own). */
const SKIP_DIRS = new Set(['.git', '.hg', '.svn', '.ptc', 'dist', 'build']);

function skipDir(name: string): boolean {
  return SKIP_DIRS.has(name) || allLanguages().some((l) => l.isIgnoredDir(name));
}

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
        if (!skipDir(entry.name)) await walk(full);
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

/** The language of a project from its files (the registry's order decides between several). */
export function detectLang(paths: string[]): Lang | null {
  return (detectProjectLanguage(paths)?.id as Lang | undefined) ?? null;
}

/**
 * The packages a project declares at its top level, as a reply's requirements block would (requirements.txt,
 * pyproject.toml, package.json: the language says which). One spec per package: the first file's wins.
 */
export async function projectDependencies(files: { path: string; content: string }[], lang: Lang): Promise<string[]> {
  const found = await getLanguage(lang).projectDependencies(files);
  const byName = new Map<string, string>();
  for (const spec of found) if (!byName.has(packageName(spec))) byName.set(packageName(spec), spec);
  return [...byName.values()];
}
