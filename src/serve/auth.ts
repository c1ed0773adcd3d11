import { createHash, timingSafeEqual } from 'node:crypto';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

/** Loopback is the only address the service binds without a token. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

/**
 * Compares `Authorization: Bearer <token>` with the expected token in constant time. Hashing first makes both
 * sides the same length, so neither the length nor the content leaks through timing.
 */
export function bearerMatches(expected: string, authorization: string | undefined): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  const given = match ? match[1]! : '';
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}
