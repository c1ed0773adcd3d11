import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors.js';

/**
 * The environment ptc resolves against: `.env` in the working directory under the real environment, so a
 * variable already set always wins. process.env itself is left untouched (SDKs that read it must not see more).
 */
export function environmentWithDotenv(
  cwd: string,
  env: NodeJS.ProcessEnv,
): { env: NodeJS.ProcessEnv; dotenvPath: string | null; fromDotenv: Set<string> } {
  const path = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') {
      return { env, dotenvPath: null, fromDotenv: new Set() };
    }
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`, { code: 'config_unreadable' });
  }
  const parsed = parseEnv(text) as Record<string, string>;
  const merged: NodeJS.ProcessEnv = { ...env };
  const fromDotenv = new Set<string>();
  for (const [name, value] of Object.entries(parsed)) {
    if (merged[name] === undefined) {
      merged[name] = value;
      fromDotenv.add(name);
    }
  }
  return { env: merged, dotenvPath: path, fromDotenv };
}
