/**
 * Turns what the Daytona SDK throws into SandboxErrors that say what to do. Kept free of the SDK itself (it is
 * loaded lazily), so errors are recognised by the `name`, `statusCode` and `headers` the SDK's DaytonaError
 * carries.
 *
 * What the Daytona API answers (read in daytonaio/daytona's apps/api, v0.190): every error body is
 * `{statusCode, error, message, path, timestamp}`; quota exhaustion is a 400 "Total CPU|memory|disk|GPU limit
 * exceeded. Maximum allowed: …" (and "Snapshot quota exceeded"); a key without the permission a route needs
 * gets 403 "Access denied" (the body does not name the permission); an unknown snapshot on create is a 400
 * "Snapshot <name> not found"; rate limits are NestJS throttlers that answer 429 with `Retry-After-<throttler>`
 * (`sandbox-create`, `sandbox-lifecycle`, `authenticated`) or a plain `Retry-After`, in seconds.
 */
import { SandboxError } from '../errors.js';

/** What ptc was doing when the error happened; decides the code for errors that are not auth/quota/rate. */
export type DaytonaPhase = 'create' | 'upload' | 'exec' | 'download' | 'delete' | 'list' | 'snapshot';

export interface DaytonaErrorContext {
  phase: DaytonaPhase;
  apiUrl: string;
  /** Removed from every message, whatever the SDK put there. */
  apiKey?: string;
  /** The create timeout, for the message. */
  createTimeoutSec?: number;
  /** The snapshot the sandbox was created from, if any (for "snapshot not found"). */
  snapshot?: string;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  headers?: unknown;
}

/** The 400s Daytona sends when an organization's limits are used up. */
const QUOTA_WORDS = /\blimit exceeded\b|\bquota exceeded\b|\bquota\b/i;
const SNAPSHOT_MISSING = /\bsnapshot\b.*\bnot found\b/i;
const SNAPSHOT_NOT_READY = /\bsnapshot\b\s+\S+\s+is\s+(pending|building|pulling|error|build_failed|inactive|removing)\b|not available in region/i;

const PHASE_WORDS: Record<DaytonaPhase, string> = {
  create: 'could not create the Daytona sandbox',
  upload: 'could not upload the files to the Daytona sandbox',
  exec: 'could not run the command in the Daytona sandbox',
  download: 'could not download a file from the Daytona sandbox',
  delete: 'could not delete the Daytona sandbox',
  list: 'could not list Daytona sandboxes',
  snapshot: 'could not create the Daytona snapshot',
};

/** The API key permission (scope) each phase needs, as Daytona's dashboard names it. */
const PHASE_PERMISSION: Partial<Record<DaytonaPhase, string>> = {
  create: 'write:sandboxes',
  upload: 'write:sandboxes',
  exec: 'write:sandboxes',
  download: 'write:sandboxes',
  delete: 'delete:sandboxes',
  snapshot: 'write:snapshots',
};

/** Longest wait ptc honours from a Retry-After header before retrying; a longer one fails at once and says so. */
export const RETRY_AFTER_CAP_MS = 30_000;

export function redactKey(text: string, apiKey: string | undefined): string {
  let out = text.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer ***');
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join('***');
  return out;
}

/** One line of the SDK's message, without the key, bounded. */
function detail(err: SdkErrorShape, apiKey: string | undefined): string {
  const first = String(err.message ?? err).split('\n')[0] ?? '';
  const clean = redactKey(first, apiKey).trim();
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

/** Header names and values, from a plain object or axios' AxiosHeaders. */
function headerEntries(headers: unknown): [string, unknown][] {
  if (!headers || typeof headers !== 'object') return [];
  const h = headers as { toJSON?: () => unknown };
  const plain = typeof h.toJSON === 'function' ? h.toJSON() : headers;
  return plain && typeof plain === 'object' ? Object.entries(plain as Record<string, unknown>) : [];
}

export interface RetryAfter {
  seconds: number;
  /** The throttler that asked for the wait (`sandbox-create`…), null for a plain `Retry-After`. */
  throttler: string | null;
}

/**
 * The wait a 429 asks for: the longest of `Retry-After` and every `Retry-After-<throttler>` (several throttlers
 * may block at once; the request passes only when all of them allow it). Seconds, or an HTTP date.
 */
export function retryAfterOf(err: unknown): RetryAfter | null {
  if (!err || typeof err !== 'object') return null;
  let best: RetryAfter | null = null;
  for (const [name, raw] of headerEntries((err as SdkErrorShape).headers)) {
    const m = /^retry-after(?:-(.+))?$/i.exec(name);
    if (!m) continue;
    const value = Array.isArray(raw) ? raw[0] : raw;
    let seconds = typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) ? Number(value) : NaN;
    if (Number.isNaN(seconds) && typeof value === 'string') {
      const at = Date.parse(value);
      if (!Number.isNaN(at)) seconds = Math.max(0, Math.ceil((at - Date.now()) / 1000));
    }
    if (!Number.isFinite(seconds) || seconds < 0) continue;
    if (!best || seconds > best.seconds) best = { seconds, throttler: m[1]?.toLowerCase() ?? null };
  }
  return best;
}

export function toSandboxError(err: unknown, ctx: DaytonaErrorContext): SandboxError {
  if (err instanceof SandboxError) return err;
  const e: SdkErrorShape = err && typeof err === 'object' ? (err as SdkErrorShape) : { message: String(err) };
  const name = e.name ?? '';
  const status = typeof e.statusCode === 'number' ? e.statusCode : null;
  const why = detail(e, ctx.apiKey);
  const cause = err;

  if (status === 401 || name === 'DaytonaAuthenticationError') {
    return new SandboxError(`Daytona rejected the API key (401): ${why}`, {
      code: 'sandbox_auth',
      hint: 'check DAYTONA_API_KEY (or the key in your rc file); create a key in the Daytona dashboard under API Keys',
      cause,
    });
  }
  if (status === 429 || name === 'DaytonaRateLimitError') return rateLimitError(err, why);
  if (status === 403 || name === 'DaytonaForbiddenError' || name === 'DaytonaAuthorizationError') {
    return permissionError(ctx, why, cause);
  }
  if (status === 400 && SNAPSHOT_MISSING.test(why)) {
    return new SandboxError(`the Daytona snapshot ${ctx.snapshot ?? ''} does not exist: ${why}`.replace('  ', ' '), {
      code: 'sandbox_snapshot_not_found',
      hint: ctx.snapshot
        ? `build it with \`ptc sandbox snapshot create --name ${ctx.snapshot}\`, or remove daytona.snapshot from your rc file`
        : 'build one with `ptc sandbox snapshot create`, or remove daytona.snapshot from your rc file',
      cause,
    });
  }
  if (status === 400 && SNAPSHOT_NOT_READY.test(why)) {
    return new SandboxError(`the Daytona snapshot cannot be used yet: ${why}`, {
      code: 'sandbox_snapshot_not_ready',
      hint: 'wait until the snapshot is active (Daytona dashboard, Snapshots), or rebuild it with `ptc sandbox snapshot create`',
      retryable: /pending|building|pulling/i.test(why),
      cause,
    });
  }
  if ((status === 400 || status === null) && QUOTA_WORDS.test(why)) {
    return new SandboxError(`Daytona refused: your organization's limit is used up: ${why}`, {
      code: 'sandbox_quota',
      hint: 'delete leftover sandboxes with `ptc sandbox prune` (stopped ones count toward disk), run fewer at once, or raise the limits of your Daytona organization (dashboard, Limits)',
      cause,
    });
  }
  if (status === 404 || (name === 'DaytonaNotFoundError' && status === null)) {
    // On create and list a 404 is about the account (a region, a target), not a sandbox ptc holds.
    const what = ctx.phase === 'snapshot' ? 'snapshot' : ctx.phase === 'create' || ctx.phase === 'list' ? 'resource' : 'sandbox';
    return new SandboxError(`the Daytona ${what} was not found (404): ${why}`, {
      code: 'sandbox_not_found',
      hint:
        what === 'sandbox'
          ? 'the sandbox was deleted while ptc used it (auto-stop, another `ptc sandbox prune`, the dashboard): run again'
          : 'check DAYTONA_API_URL and DAYTONA_TARGET',
      retryable: what === 'sandbox',
      cause,
    });
  }
  // No answer at all: the API URL is wrong or unreachable.
  if (name === 'DaytonaConnectionError' || (name === 'DaytonaConnectionTimeoutError' && ctx.phase !== 'create' && ctx.phase !== 'exec')) {
    return new SandboxError(`cannot reach the Daytona API at ${ctx.apiUrl}: ${why}`, {
      code: 'sandbox_network',
      hint: 'check DAYTONA_API_URL and your network connection (proxy, VPN, firewall)',
      retryable: true,
      cause,
    });
  }
  const isTimeout = name.includes('Timeout') || status === 408 || status === 504;
  if (ctx.phase === 'create' && isTimeout) {
    const secs = ctx.createTimeoutSec !== undefined ? ` within ${ctx.createTimeoutSec}s` : '';
    return new SandboxError(`the Daytona sandbox did not start${secs}`, {
      code: 'sandbox_create_timeout',
      hint: 'Daytona may be busy: run again in a moment; leftovers are removed with `ptc sandbox prune`',
      retryable: true,
      cause,
    });
  }
  if (ctx.phase === 'exec' && isTimeout) {
    return new SandboxError(`the command in the Daytona sandbox did not answer in time: ${why}`, {
      code: 'sandbox_exec_timeout',
      hint: 'raise --timeout, or make the tests faster; a test that waits forever never finishes',
      retryable: false,
      cause,
    });
  }
  if (ctx.phase === 'upload') {
    return new SandboxError(`${PHASE_WORDS.upload}: ${why}`, {
      code: 'sandbox_upload',
      hint: 'run again; if it keeps failing, check the file sizes and your connection to Daytona',
      retryable: status === null || status >= 500,
      cause,
    });
  }
  if ((ctx.phase === 'create' || ctx.phase === 'snapshot') && /failed to start|error reason|reason:|build_failed|state: error/i.test(why)) {
    const what = ctx.phase === 'snapshot' ? 'snapshot failed to build' : 'sandbox failed to start';
    return new SandboxError(`the Daytona ${what}: ${why}`, {
      code: ctx.phase === 'snapshot' ? 'sandbox_snapshot_failed' : 'sandbox_create_failed',
      hint:
        ctx.phase === 'snapshot'
          ? 'read the build log above; fix the package list (--package) and run again with another --name'
          : 'run again; if it keeps failing, check the sandbox in the Daytona dashboard',
      retryable: ctx.phase === 'create',
      cause,
    });
  }
  if (status !== null && status >= 500) {
    return new SandboxError(`${PHASE_WORDS[ctx.phase]}: Daytona had a server error (${status}): ${why}`, {
      code: 'sandbox_server_error',
      hint: "a failure on Daytona's side, not in your tests: run again in a moment",
      retryable: true,
      cause,
    });
  }
  return new SandboxError(`${PHASE_WORDS[ctx.phase]}${status !== null ? ` (${status})` : ''}: ${why}`, {
    code: 'sandbox_error',
    hint: 'run with --verbose for details; check DAYTONA_API_URL and DAYTONA_TARGET',
    retryable: false,
    cause,
  });
}

function rateLimitError(err: unknown, why: string): SandboxError {
  const wait = retryAfterOf(err);
  const which = wait?.throttler ? ` (${wait.throttler})` : '';
  return new SandboxError(`Daytona rate limit reached${which} (429): ${why}`, {
    code: 'sandbox_rate_limit',
    hint:
      wait !== null
        ? `Daytona asks to wait ${Math.ceil(wait.seconds)}s: run again then, or run fewer tasks at once`
        : 'wait a minute and run again, or run fewer tasks at once',
    retryable: true,
    cause: err,
  });
}

function permissionError(ctx: DaytonaErrorContext, why: string, cause: unknown): SandboxError {
  // Daytona's 403 says only "Access denied"; name the scope from the body when it does, else from the route.
  const named = /\b(?:read|write|delete):[a-z_]+\b/i.exec(why)?.[0] ?? PHASE_PERMISSION[ctx.phase] ?? null;
  const doing = PHASE_WORDS[ctx.phase].replace(/^could not /, '');
  return new SandboxError(
    `the Daytona API key is not allowed to ${doing}${named ? ` (it needs the ${named} permission)` : ''} (403): ${why}`,
    {
      code: 'sandbox_permission',
      hint: named
        ? `create a key with ${named} in the Daytona dashboard (API Keys) and set DAYTONA_API_KEY to it`
        : 'use a key with the permissions ptc needs (write:sandboxes, delete:sandboxes) from the Daytona dashboard (API Keys)',
      cause,
    },
  );
}

/** A 404 (or the daemon's "no such file") means "not there", which readFile reports as null. */
export function isNotFound(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as SdkErrorShape;
  if (e.statusCode === 404 || (e.name ?? '').includes('NotFound')) return true;
  return /no such file|not found|does not exist/i.test(e.message ?? '');
}

/** The HTTP status the SDK's error carries, if any. */
export function statusOf(err: unknown): number | null {
  const status = err && typeof err === 'object' ? (err as SdkErrorShape).statusCode : undefined;
  return typeof status === 'number' ? status : null;
}

/**
 * A failure of a read-only toolbox call (polling a command, reading its output) that is worth another try: a
 * 5xx or 429 from the toolbox or a proxy in front of it, or a connection that was dropped or timed out.
 */
export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const status = statusOf(err);
  if (status !== null) return status === 408 || status === 429 || status >= 500;
  const name = (err as SdkErrorShape).name ?? '';
  return name === 'DaytonaConnectionError' || name.includes('Timeout');
}

/**
 * How long to wait before trying a call again that Daytona rate-limited: its Retry-After, or null when it was
 * not a 429, or when the wait asked for is longer than `capMs` (better to stop and say so than to hang).
 */
export function rateLimitWaitMs(err: unknown, fallbackMs: number, capMs = RETRY_AFTER_CAP_MS): number | null {
  if (statusOf(err) !== 429 && (err as SdkErrorShape | null)?.name !== 'DaytonaRateLimitError') return null;
  const asked = retryAfterOf(err);
  const ms = asked ? Math.ceil(asked.seconds * 1000) : fallbackMs;
  return ms <= capMs ? ms : null;
}
