/**
 * Where paid replies are kept: every raw model reply is written the moment it arrives, in the output folder's
 * `.ptc/replies/`, or, when that folder cannot take it (a dry run writes nothing there, a folder that is not
 * writable, a `.ptc` that is not ptc's), in ptc's state directory. Whatever goes wrong afterwards, the reply is
 * on disk and `ptc apply <file>` uses it without paying again.
 */
import { randomBytes } from 'node:crypto';
import { lstat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { dataDir } from '../history/paths.js';
import { makeDirs } from '../util/make-dirs.js';
import { redactSecrets, MANIFEST_DIR } from './manifest.js';

export const REPLIES_DIR = 'replies';

export interface SaveReplyInput {
  text: string;
  round: number;
  /** The run's output folder; null when nothing may be written there (a dry run). */
  outDir: string | null;
  env: NodeJS.ProcessEnv;
  /** Configured secret values: blanked before the reply is written (a reply may quote one). */
  secrets?: Iterable<string>;
}

/** The folder in ptc's state directory that takes replies an output folder could not. */
export function stateRepliesDir(env: NodeJS.ProcessEnv): string {
  return join(dataDir(env), REPLIES_DIR);
}

/** Writes the reply and returns its absolute path; null only when neither place could take it. */
export async function saveReply(input: SaveReplyInput): Promise<string | null> {
  const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-round${input.round}-${randomBytes(3).toString('hex')}.md`;
  const text = redactSecrets(input.text, input.env, input.secrets ?? []);
  const places = [input.outDir ? join(resolve(input.outDir), MANIFEST_DIR, REPLIES_DIR) : null, stateRepliesDir(input.env)];
  for (const dir of places) {
    if (!dir) continue;
    try {
      await makeDirs(dir);
      // Never through a symlink: a `.ptc` or `replies` link could send the file anywhere.
      for (const d of [join(dir, '..'), dir]) if (!(await lstat(d)).isDirectory()) throw new Error('not a folder');
      const path = join(dir, name);
      await writeFile(path, text, { mode: 0o600, flag: 'wx' });
      return path;
    } catch {
      // the next place
    }
  }
  return null;
}
