/** Shorter values are not scrubbed: blanking every "abc" would garble text and protect nothing. */
export const MIN_SECRET_LENGTH = 6;

export const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each secret value. Longer values go first, so a key that contains another
 * configured value is still blanked whole.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  const values = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of values) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
