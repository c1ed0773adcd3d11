import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '../history/paths.js';
import type { CatalogModel } from './catalog-model.js';

/**
 * The catalog update on disk: the models `ptc models --update` mapped from the fetched file, with where and
 * when they were fetched. ptc writes it itself, so reading it checks only the shape; a file that does not
 * fit is ignored with a warning (prices fall back to the shipped catalog), never fatal.
 */
export interface CatalogCache {
  version: 1;
  url: string;
  /** ISO timestamp of the fetch. */
  fetchedAt: string;
  /** Entries of the fetched file that were for ptc's providers but could not be used. */
  skipped: number;
  models: CatalogModel[];
}

export function catalogCachePath(env: NodeJS.ProcessEnv): string {
  return join(cacheDir(env), 'catalog.json');
}

function looksLikeCache(v: unknown): v is CatalogCache {
  const c = v as CatalogCache;
  return (
    !!c &&
    typeof c === 'object' &&
    c.version === 1 &&
    typeof c.url === 'string' &&
    typeof c.fetchedAt === 'string' &&
    /^\d{4}-\d{2}-\d{2}/.test(c.fetchedAt) &&
    Array.isArray(c.models) &&
    c.models.every((m) => m && typeof m.id === 'string' && typeof m.provider === 'string' && typeof m.input === 'number' && typeof m.output === 'number')
  );
}

export function readCatalogCache(env: NodeJS.ProcessEnv): { cache: CatalogCache | null; warning: string | null } {
  const path = catalogCachePath(env);
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch {
    return { cache: null, warning: null };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (looksLikeCache(parsed)) return { cache: parsed, warning: null };
  } catch {
    // falls through to the warning
  }
  return { cache: null, warning: `ignoring the catalog update at ${path}: it is not one ptc wrote; run \`ptc models --update\` again` };
}

/** Written to a temporary file and renamed, so a reader never sees half a cache. */
export function writeCatalogCache(env: NodeJS.ProcessEnv, cache: CatalogCache): string {
  const path = catalogCachePath(env);
  fs.mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cache));
  fs.renameSync(tmp, path);
  return path;
}
