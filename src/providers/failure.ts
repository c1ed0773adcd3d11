import { ProviderError } from '../errors.js';
import type { ProviderProfile } from './profiles.js';
import { KIMI_BASE_URLS } from './profiles.js';
import { displayURL, oneLine, redactKey } from './redact.js';

/**
 * A failed call described without SDK types, so one classifier serves both adapters.
 * `http`: the server answered with an error status; `connection`: no answer; `timeout`: the SDK gave up
 * waiting for headers; `stream`: the reply started and then failed (error event or dropped body).
 */
export interface Failure {
  kind: 'http' | 'connection' | 'timeout' | 'stream';
  status: number | null;
  headers: { get(name: string): string | null } | null;
  /** Provider error type, e.g. `rate_limit_reached_error`, `billing_error`. */
  type: string | null;
  /** Provider error code, e.g. `insufficient_quota` (OpenRouter sends a number; stored as text). */
  code: string | null;
  /** The provider's own words (may contain anything: always redacted before use). */
  message: string;
  /** For connection failures: the system error code such as ECONNREFUSED. */
  causeCode?: string | null;
}

export interface CallContext {
  profile: ProviderProfile;
  model: string;
  baseURL: string;
  apiKey: string | null;
  apiKeySource: string | null;
}

export interface Verdict {
  /** Worth another attempt (subject to the retry budget and deadline). */
  retry: boolean;
  /** Short reason for the retry announcement, e.g. "429 rate limited". */
  reason: string;
  /** What to throw when no retry is made. */
  error: ProviderError;
}

const QUOTA_MARKERS = [
  'exceeded_current_quota_error', // Kimi: balance exhausted
  'insufficient_quota', // OpenAI
  'billing_error', // Anthropic
];

function isQuota(f: Failure): boolean {
  if (f.status === 402) return true;
  if (QUOTA_MARKERS.includes(f.type ?? '') || QUOTA_MARKERS.includes(f.code ?? '')) return true;
  return /credit balance is too low|insufficient (credits|balance)/i.test(f.message);
}

function isTooLarge(f: Failure): boolean {
  if (f.status === 413 || f.type === 'request_too_large') return true;
  if (f.code === 'context_length_exceeded') return true;
  return f.status === 400 && /context length|context window|too many tokens|prompt is too long|too large/i.test(f.message);
}

function retryHeader(f: Failure): boolean | null {
  const v = f.headers?.get('x-should-retry');
  if (v === 'true') return true;
  if (v === 'false') return false;
  return null;
}

function statusReason(status: number): string {
  if (status === 429) return '429 rate limited';
  if (status === 529) return '529 overloaded';
  if (status === 408) return '408 request timeout';
  if (status === 409) return '409 conflict';
  if (status >= 500) return `${status} server error`;
  return `${status} error`;
}

function otherRegionHint(ctx: CallContext): string {
  const onCn = ctx.baseURL.includes('moonshot.cn');
  return onCn
    ? `Moonshot keys only work on the platform that issued them: for a key from platform.moonshot.ai remove providers.kimi.region (or use --base-url ${KIMI_BASE_URLS.intl})`
    : `Moonshot keys only work on the platform that issued them: for a key from platform.moonshot.cn set providers.kimi.region: cn (or --base-url ${KIMI_BASE_URLS.cn})`;
}

function authHint(ctx: CallContext): string {
  const where = ctx.apiKeySource ?? ctx.profile.keyEnv;
  let hint = where
    ? `check the key in ${where} (it is wrong, expired or lacks access)`
    : ctx.profile.id === 'openai-compatible'
      ? 'the endpoint wants a key: set providers.openai-compatible.apiKeyEnv to the variable that holds it'
      : 'check the API key';
  if (ctx.profile.id === 'kimi') hint += `; ${otherRegionHint(ctx)}`;
  return hint;
}

const QUOTA_HINTS: Record<string, string> = {
  kimi: 'top up the account balance on the Moonshot platform, then retry',
  openrouter: 'add credits at https://openrouter.ai/settings/credits, then retry',
  anthropic: 'add credits or raise the spend limit in the Anthropic Console (Plans & Billing), then retry',
  openai: 'check the plan and billing at https://platform.openai.com/settings/organization/billing',
};

/** Decide, once, what a failure means: retry it, or which ProviderError to throw. */
export function classify(f: Failure, ctx: CallContext): Verdict {
  const who = ctx.profile.label;
  const endpoint = displayURL(ctx.baseURL);
  const said = oneLine(redactKey(f.message, ctx.apiKey));
  const detail = [f.type, said].filter(Boolean).join(': ');
  const status = f.status;

  const make = (code: string, message: string, hint: string, retryable: boolean) =>
    new ProviderError(redactKey(message, ctx.apiKey), { code, hint: redactKey(hint, ctx.apiKey), retryable, status });

  if (f.kind === 'connection') {
    const why = f.causeCode ? ` (${f.causeCode})` : '';
    return {
      retry: true,
      reason: `could not connect${why}`,
      error: make(
        'provider_network',
        `could not reach ${who} at ${endpoint}${why}`,
        'check the network connection, proxy settings and --base-url',
        true,
      ),
    };
  }
  if (f.kind === 'timeout') {
    return {
      retry: true,
      reason: 'timed out waiting for a response',
      error: make('provider_timeout', `${who} at ${endpoint} did not answer in time`, 'retry later, or raise --timeout', true),
    };
  }
  if (f.kind === 'stream') {
    const transient = f.type === null || /overloaded|api_error|server|rate_limit|timeout/i.test(f.type);
    return {
      retry: false,
      reason: 'error during the reply',
      error: make(
        'provider_stream_error',
        `${who} failed in the middle of the reply${detail ? `: ${detail}` : ''}`,
        transient ? 'a server-side failure: retry the command' : 'the provider stopped the reply: check the request',
        transient,
      ),
    };
  }

  // kind === 'http'
  const code = status ?? 0;
  const statusText = `${code}${detail ? ` ${detail}` : ''}`;
  if (isQuota(f)) {
    return {
      retry: false,
      reason: 'quota exhausted',
      error: make(
        'provider_quota',
        `${who} quota or balance exhausted (${statusText})`,
        QUOTA_HINTS[ctx.profile.id] ?? 'check the account balance with the provider',
        false,
      ),
    };
  }
  if (code === 401 || code === 403) {
    return {
      retry: false,
      reason: statusReason(code),
      error: make('provider_auth', `${who} rejected the API key (${statusText})`, authHint(ctx), false),
    };
  }
  if (code === 404) {
    return {
      retry: false,
      reason: statusReason(code),
      error: make(
        'provider_model_not_found',
        `${who} does not know model "${ctx.model}" (${statusText})`,
        `run \`ptc models --provider ${ctx.profile.id}\` for known model ids and pass one with --model; if the model is right, check the endpoint ${endpoint}`,
        false,
      ),
    };
  }
  if (isTooLarge(f)) {
    return {
      retry: false,
      reason: statusReason(code),
      error: make(
        'provider_too_large',
        `${who} refused the request as too large (${statusText})`,
        'shorten the prompt, lower --max-tokens, or pick a model with a larger context window',
        false,
      ),
    };
  }

  const override = retryHeader(f);
  const transient = code === 408 || code === 409 || code === 429 || code >= 500;
  const retry = override ?? transient;
  if (code === 429) {
    return {
      retry,
      reason: statusReason(code),
      error: make(
        'provider_rate_limit',
        `${who} is rate limiting requests (${statusText})`,
        'wait a minute and run again, or ask the provider for a higher rate limit',
        true,
      ),
    };
  }
  if (transient) {
    return {
      retry,
      reason: statusReason(code),
      error: make('provider_server', `${who} server error (${statusText})`, 'a problem on the provider side: retry later', true),
    };
  }
  return {
    retry,
    reason: statusReason(code),
    error: make(
      'provider_bad_request',
      `${who} refused the request (${statusText})`,
      'check --model, --max-tokens and --temperature for this provider',
      retry,
    ),
  };
}
