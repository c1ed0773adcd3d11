/**
 * Turns what the Daytona SDK throws into SandboxErrors that say what to do. Kept free of the SDK itself (it is
 * loaded lazily), so errors are recognised by the `name` and `statusCode` the SDK's DaytonaError carries.
 */
import { SandboxError } from '../errors.js';

/** What ptc was doing when the error happened; decides the code for errors that are not auth/quota/rate. */
export type DaytonaPhase = 'create' | 'upload' | 'exec' | 'download' | 'delete' | 'list';

export interface DaytonaErrorContext {
  phase: DaytonaPhase;
  apiUrl: string;
  /** Removed from every message, whatever the SDK put there. */
  apiKey?: string;
  /** The create timeout, for the message. */
  createTimeoutSec?: number;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  headers?: Record<string, unknown>;
}

const QUOTA_WORDS = /quota|limit exceeded|exceeds? (?:the )?(?:maximum|limit)|maximum number of|too many sandboxes|insufficient/i;

const PHASE_WORDS: Record<DaytonaPhase, string> = {
  create: 'could not create the Daytona sandbox',
  upload: 'could not upload the files to the Daytona sandbox',
  exec: 'could not run the command in the Daytona sandbox',
  download: 'could not download a file from the Daytona sandbox',
  delete: 'could not delete the Daytona sandbox',
  list: 'could not list Daytona sandboxes',
};

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

function retryAfterSeconds(headers: Record<string, unknown> | undefined): number | null {
  const raw = headers?.['retry-after'];
  const n = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
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
  if (status === 429 || name === 'DaytonaRateLimitError') {
    const wait = retryAfterSeconds(e.headers);
    return new SandboxError(`Daytona rate limit reached (429): ${why}`, {
      code: 'sandbox_rate_limit',
      hint: wait !== null ? `wait ${wait}s and run again` : 'wait a minute and run again, or run fewer tasks at once',
      retryable: true,
      cause,
    });
  }
  if (status === 403 || (QUOTA_WORDS.test(why) && (status === null || status < 500))) {
    return new SandboxError(`Daytona refused: quota or sandbox limit reached: ${why}`, {
      code: 'sandbox_quota',
      hint: 'delete leftover sandboxes with `ptc sandbox prune`, or raise the limits of your Daytona organization',
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
  if (ctx.phase === 'create' && /failed to start|error reason|build_failed|state: error/i.test(why)) {
    return new SandboxError(`the Daytona sandbox failed to start: ${why}`, {
      code: 'sandbox_create_failed',
      hint: 'run again; if it keeps failing, check the sandbox in the Daytona dashboard',
      retryable: true,
      cause,
    });
  }
  const serverSide = status !== null && status >= 500;
  return new SandboxError(`${PHASE_WORDS[ctx.phase]}${status !== null ? ` (${status})` : ''}: ${why}`, {
    code: 'sandbox_error',
    hint: serverSide
      ? 'Daytona had a server error: run again in a moment'
      : 'run with --verbose for details; check DAYTONA_API_URL and DAYTONA_TARGET',
    retryable: serverSide,
    cause,
  });
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
