import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir } from './paths.js';

/** Remembered notices beyond this many are forgotten, oldest first: the file stays small. */
const MAX_REMEMBERED = 500;

/**
 * Notices worth giving once, not on every run (a local model ptc has no price for): `first(key)` is true the
 * first time a key is asked for, and remembers it in ptc's data directory (`notices.json`). Best effort: when
 * the file cannot be read or written, every run counts as the first, which only means the notice repeats.
 */
export function rememberedNotices(env: NodeJS.ProcessEnv): { first(key: string): boolean } {
  const path = join(dataDir(env), 'notices.json');
  return {
    first(key) {
      let seen: string[] = [];
      try {
        const doc = JSON.parse(readFileSync(path, 'utf8')) as { seen?: unknown };
        if (Array.isArray(doc.seen)) seen = doc.seen.filter((k): k is string => typeof k === 'string');
      } catch {
        // missing or unreadable: nothing remembered yet
      }
      if (seen.includes(key)) return false;
      try {
        mkdirSync(dataDir(env), { recursive: true });
        // Written aside and renamed, so a run reading it meanwhile never sees half a file.
        const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        writeFileSync(tmp, JSON.stringify({ seen: [...seen, key].slice(-MAX_REMEMBERED) }) + '\n');
        renameSync(tmp, path);
      } catch {
        // read-only data directory: the notice repeats next time, nothing worse
      }
      return true;
    },
  };
}
