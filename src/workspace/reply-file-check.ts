/**
 * The check every file of a reply passes before it is planned for writing: its path (checkPath) and what its
 * content would make of it — configuration (a package.json with ptc's key) or a leak (a configured secret
 * written into the project, where it would be committed, uploaded to a sandbox and shown to the next model).
 */
import { configContentReason } from './config-paths.js';
import { checkPath, type PathCheck } from './paths.js';

/** Shorter values are not looked for: a 3-character "key" would refuse ordinary code. */
export const MIN_SECRET_LENGTH = 8;

/** Whether `content` holds the value of one of `secrets` (those long enough to look for). */
export function holdsSecret(content: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => s.length >= MIN_SECRET_LENGTH && content.includes(s));
}

export function checkReplyFile(path: string, content: string, secrets: readonly string[] = []): PathCheck {
  const check = checkPath(path);
  if (!check.ok) return check;
  const config = configContentReason(check.path.split('/'), content);
  if (config) return { ok: false, reason: config };
  // The reason never holds the value, nor which variable it came from beyond "a configured secret".
  if (holdsSecret(content, secrets)) {
    return { ok: false, reason: 'contains the value of a configured secret (an API key or token); not written' };
  }
  return check;
}
