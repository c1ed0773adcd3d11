import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors.js';
import { FileReadProblem, readRegularFileSync } from '../util/regular-file.js';

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
    // Non-blocking: a FIFO named .env would otherwise hang ptc before it prints anything.
    text = readRegularFileSync(path);
  } catch (err) {
    const problem = err as FileReadProblem;
    // A folder named .env is a Python virtualenv more often than not: not an env file, nothing to read.
    if (problem.missing || problem.directory) return { env, dotenvPath: null, fromDotenv: new Set() };
    throw new ConfigError(`cannot read ${path}: ${problem.reason}`, {
      code: 'config_unreadable',
      hint: 'make it a readable file of NAME=value lines, or move it aside',
    });
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
