import { createHash } from 'node:crypto';

/** The hex SHA-256 of a text or bytes: what the manifest, the result's `files` and the write plan record. */
export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
