import { ConfigError, ProviderError } from '../errors.js';
import { writeCatalogCache } from './catalog-cache.js';
import { mapLiteLLM } from './litellm.js';

/**
 * `ptc models --update`: fetch LiteLLM's price file, map it, and cache it. Any failure leaves the cache (and
 * so the prices in use) as they were. The download is bounded in size and time: the real file is about 1.6 MB.
 */
export const DEFAULT_CATALOG_URL = 'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json';
export const MAX_CATALOG_BYTES = 32 * 1024 * 1024;
export const CATALOG_TIMEOUT_MS = 30_000;

export interface UpdateResult {
  url: string;
  fetchedAt: string;
  models: number;
  skipped: number;
  path: string;
}

/** The URL as messages and the cache show it: no user:password, no query (a private mirror's token may be there). */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

const KEPT_HINT = 'the prices in use are unchanged; check your network, or point catalog.url in your rc file at a reachable copy';

function unreachable(shown: string, err: unknown, timedOutAfterMs: number | null): ProviderError {
  if (timedOutAfterMs !== null) {
    return new ProviderError(`fetching the catalog from ${shown} took longer than ${timedOutAfterMs / 1000}s`, {
      code: 'catalog_timeout',
      hint: KEPT_HINT,
      retryable: true,
    });
  }
  const cause = (err as { cause?: { code?: unknown } }).cause;
  // Only the system error code: free text may quote the URL as given, query string and all.
  const why = typeof cause?.code === 'string' ? cause.code : 'network error';
  return new ProviderError(`cannot reach ${shown} to update the catalog (${why})`, { code: 'catalog_unreachable', hint: KEPT_HINT, retryable: true });
}

async function readBounded(res: Response, shown: string, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  const tooLarge = () =>
    new ProviderError(`the catalog at ${shown} is larger than ${maxBytes} bytes`, {
      code: 'catalog_too_large',
      hint: 'point catalog.url at LiteLLM\'s model_prices_and_context_window.json; the prices in use are unchanged',
    });
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const parts: Buffer[] = [];
  let size = 0;
  if (!res.body) return '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts).toString('utf8');
}

export interface UpdateOptions {
  url: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  now?: Date;
  /** Bounds on the download (defaults MAX_CATALOG_BYTES, CATALOG_TIMEOUT_MS). */
  maxBytes?: number;
  timeoutMs?: number;
}

export async function updateCatalog(o: UpdateOptions): Promise<UpdateResult> {
  const maxBytes = o.maxBytes ?? MAX_CATALOG_BYTES;
  const timeoutMs = o.timeoutMs ?? CATALOG_TIMEOUT_MS;
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`catalog.url must be an http(s) URL`, { code: 'config_invalid', hint: `remove catalog.url to use ${DEFAULT_CATALOG_URL}` });
  }
  const shown = displayUrl(url);
  // fetch refuses URLs with user:password; send them the way a browser would, as Basic auth.
  const headers: Record<string, string> = { accept: 'application/json' };
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }
  const target = new URL(url.href);
  target.username = '';
  target.password = '';
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;

  let text: string;
  try {
    const res = await fetch(target, { signal, headers, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new ProviderError(`${shown} answered HTTP ${res.status} to the catalog update`, {
        code: 'catalog_http',
        status: res.status,
        hint: KEPT_HINT,
        retryable: res.status >= 500 || res.status === 429,
      });
    }
    text = await readBounded(res, shown, maxBytes);
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    if (o.signal?.aborted) throw o.signal.reason ?? err;
    throw unreachable(shown, err, timeout.aborted ? timeoutMs : null);
  }

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = null;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ProviderError(`the catalog at ${shown} is not a JSON object of models`, {
      code: 'catalog_invalid',
      hint: 'catalog.url must serve LiteLLM\'s model_prices_and_context_window.json; the prices in use are unchanged',
    });
  }
  const mapped = mapLiteLLM(doc as Record<string, unknown>, shown);
  if (mapped.models.length === 0) {
    throw new ProviderError(`the catalog at ${shown} has no chat models for ptc's providers`, {
      code: 'catalog_invalid',
      hint: 'catalog.url must serve LiteLLM\'s model_prices_and_context_window.json; the prices in use are unchanged',
    });
  }
  const fetchedAt = (o.now ?? new Date()).toISOString();
  const path = writeCatalogCache(o.env, { version: 1, url: shown, fetchedAt, skipped: mapped.skipped, models: mapped.models });
  return { url: shown, fetchedAt, models: mapped.models.length, skipped: mapped.skipped, path };
}
