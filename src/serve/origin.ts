import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** The serialised origin (`scheme://host[:port]`) of an --allow-origin entry, or null when it is not one. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  return url.origin;
}

/**
 * Browsers send `Origin` on every cross-site POST and on cross-site GETs made by scripts; clients such as curl
 * and SDKs never do. So a request that carries one comes from a web page, and only pages the operator listed
 * may use this server (a page must never be able to run code or spend the keys here).
 * Returns the CORS headers to add to the answer: none without an Origin, the allowing ones for a listed origin.
 */
export function checkOrigin(req: IncomingMessage, allowed: ReadonlySet<string>): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  const normalized = normalizeOrigin(origin);
  if (normalized === null || !allowed.has(normalized)) {
    throw new HttpError(
      403,
      'origin_not_allowed',
      `requests from web pages are refused (Origin ${JSON.stringify(origin.slice(0, 100))}); start the server with --allow-origin <origin> to let that page in`,
      { vary: 'Origin' },
    );
  }
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** The answer to a CORS preflight from an allowed origin: what the page may send (the token rides in Authorization). */
export function preflightHeaders(cors: Record<string, string>): Record<string, string> {
  return {
    ...cors,
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
  };
}
